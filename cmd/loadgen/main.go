// Command loadgen is a bounded load generator for hound serve: it screens
// single subjects (GET /v1/screen/{subject}) from --concurrency workers,
// never more requests in flight than that, until --duration has passed or
// --max-requests have been sent, and prints the throughput, the latency
// percentiles and the responses by status. It exits 1 when any response
// was not 2xx (or a request failed), 2 on a usage error.
//
//	go run ./cmd/loadgen --url http://127.0.0.1:8080 --token-file token \
//	    --subjects subjects.txt --duration 10s --concurrency 8
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// options are the flags.
type options struct {
	URL         string
	Token       string
	TokenFile   string
	Subjects    string
	Subject     []string
	Duration    time.Duration
	Concurrency int
	MaxRequests int64
	Timeout     time.Duration
	Query       string
	JSON        bool
}

// Summary is what a run measured (printed with --json).
type Summary struct {
	Requests    int64            `json:"requests"`
	Seconds     float64          `json:"seconds"`
	PerSecond   float64          `json:"requests_per_second"`
	Concurrency int              `json:"concurrency"`
	P50         float64          `json:"p50_ms"`
	P90         float64          `json:"p90_ms"`
	P99         float64          `json:"p99_ms"`
	Max         float64          `json:"max_ms"`
	Statuses    map[string]int64 `json:"statuses"`
	Errors      int64            `json:"errors"`
	FirstError  string           `json:"first_error,omitempty"`
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.URL, "url", "http://127.0.0.1:8080", "hound serve's base URL")
	fs.StringVar(&o.Token, "token", "", "bearer token (default $HOUND_TOKEN)")
	fs.StringVar(&o.TokenFile, "token-file", "", "file holding the bearer token")
	fs.StringVar(&o.Subjects, "subjects", "", "file of subjects to screen, one <chain>:<address|txid> a line (# comments)")
	fs.Var((*stringList)(&o.Subject), "subject", "a subject to screen (repeatable)")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "how long to run")
	fs.IntVar(&o.Concurrency, "concurrency", 8, "requests in flight at most")
	fs.Int64Var(&o.MaxRequests, "max-requests", 0, "stop after this many requests (0: only --duration bounds the run)")
	fs.DurationVar(&o.Timeout, "timeout", 30*time.Second, "timeout of each request")
	fs.StringVar(&o.Query, "query", "", "query string added to each request, e.g. model=fifo&hops=4")
	fs.BoolVar(&o.JSON, "json", false, "print the summary as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	subjects, err := o.subjects()
	if err == nil {
		err = o.check()
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadgen:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum := load(ctx, o, subjects)
	if o.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.Encode(sum)
	} else {
		printSummary(stdout, sum)
	}
	if sum.Errors > 0 {
		return 1
	}
	return 0
}

// subjects reads --subjects and --subject.
func (o *options) subjects() ([]string, error) {
	out := slices.Clone(o.Subject)
	if o.Subjects != "" {
		f, err := os.Open(o.Subjects)
		if err != nil {
			return nil, fmt.Errorf("--subjects: %w", err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, line)
			}
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("--subjects %s: %w", o.Subjects, err)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no subjects: give --subjects FILE or --subject <chain>:<address>")
	}
	return out, nil
}

// check validates the flags and settles the token.
func (o *options) check() error {
	u, err := url.Parse(o.URL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return fmt.Errorf("--url %q: want http://host:port", o.URL)
	case o.Concurrency < 1:
		return fmt.Errorf("--concurrency %d: want at least 1", o.Concurrency)
	case o.Duration <= 0:
		return fmt.Errorf("--duration %s: want a positive duration", o.Duration)
	case o.MaxRequests < 0:
		return fmt.Errorf("--max-requests %d: want 0 or more", o.MaxRequests)
	}
	if o.TokenFile != "" {
		b, err := os.ReadFile(o.TokenFile)
		if err != nil {
			return fmt.Errorf("--token-file: %w", err)
		}
		o.Token = string(b)
	}
	if o.Token == "" {
		o.Token = os.Getenv("HOUND_TOKEN")
	}
	o.Token = strings.TrimSpace(o.Token)
	o.URL = strings.TrimRight(o.URL, "/")
	return nil
}

// load runs the workers and sums up.
func load(ctx context.Context, o options, subjects []string) Summary {
	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	client := &http.Client{
		Timeout: o.Timeout,
		Transport: &http.Transport{
			MaxIdleConns:        o.Concurrency,
			MaxIdleConnsPerHost: o.Concurrency,
			MaxConnsPerHost:     o.Concurrency,
			IdleConnTimeout:     30 * time.Second,
		},
	}
	defer client.CloseIdleConnections()
	urls := make([]string, len(subjects))
	for i, s := range subjects {
		urls[i] = o.URL + "/v1/screen/" + url.PathEscape(s)
		if o.Query != "" {
			urls[i] += "?" + strings.TrimPrefix(o.Query, "?")
		}
	}
	var (
		sent     atomic.Int64
		mu       sync.Mutex
		statuses = map[string]int64{}
		errs     int64
		first    string
		lat      []time.Duration
		wg       sync.WaitGroup
	)
	began := time.Now()
	for w := 0; w < o.Concurrency; w++ {
		wg.Go(func() {
			var mine []time.Duration
			for ctx.Err() == nil {
				n := sent.Add(1)
				if o.MaxRequests > 0 && n > o.MaxRequests {
					break
				}
				status, took, err := request(ctx, client, urls[int(n-1)%len(urls)], o.Token)
				if err != nil && ctx.Err() != nil {
					break // cut off by the end of the run: not counted
				}
				mine = append(mine, took)
				mu.Lock()
				switch {
				case err != nil:
					statuses["transport"]++
					errs++
					if first == "" {
						first = err.Error()
					}
				default:
					statuses[fmt.Sprint(status)]++
					if status < 200 || status > 299 {
						errs++
						if first == "" {
							first = fmt.Sprintf("HTTP %d from %s", status, urls[int(n-1)%len(urls)])
						}
					}
				}
				mu.Unlock()
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	secs := time.Since(began).Seconds()
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	s := Summary{Requests: int64(len(lat)), Seconds: secs, Concurrency: o.Concurrency, Statuses: statuses, Errors: errs, FirstError: first,
		P50: pct(lat, 0.50), P90: pct(lat, 0.90), P99: pct(lat, 0.99)}
	if len(lat) > 0 {
		s.Max = ms(lat[len(lat)-1])
	}
	if secs > 0 {
		s.PerSecond = float64(s.Requests) / secs
	}
	return s
}

// request sends one screen and reads the whole answer.
func request(ctx context.Context, client *http.Client, u, token string) (int, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, 0, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	began := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return 0, time.Since(began), err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(began), err
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// pct is the q-quantile of sorted latencies, in milliseconds (nearest rank).
func pct(sorted []time.Duration, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.999999) - 1
	return ms(sorted[min(max(i, 0), len(sorted)-1)])
}

func printSummary(w io.Writer, s Summary) {
	fmt.Fprintf(w, "requests:    %d in %.2fs, %d in flight at most\n", s.Requests, s.Seconds, s.Concurrency)
	fmt.Fprintf(w, "throughput:  %.1f requests/s\n", s.PerSecond)
	fmt.Fprintf(w, "latency:     p50 %.2fms  p90 %.2fms  p99 %.2fms  max %.2fms\n", s.P50, s.P90, s.P99, s.Max)
	codes := make([]string, 0, len(s.Statuses))
	for c := range s.Statuses {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		fmt.Fprintf(w, "status %-9s %d\n", c+":", s.Statuses[c])
	}
	fmt.Fprintf(w, "errors:      %d\n", s.Errors)
	if s.FirstError != "" {
		fmt.Fprintf(w, "first error: %s\n", s.FirstError)
	}
}
