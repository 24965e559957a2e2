package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A minimal DevTools-protocol client for the report's browser tests: it
// starts Debian's headless Chromium with --remote-debugging-pipe (the
// protocol's JSON messages, each ended by a NUL byte, on file descriptors 3
// and 4: no port, no websocket) and drives one page.

// findChromium is $HOUND_CHROMIUM or the first Chromium on $PATH.
func findChromium() string {
	if p := os.Getenv("HOUND_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// needChromium returns Chromium's path. Without one a CI run fails (.ci/run
// installs Debian's chromium package); elsewhere the test is skipped.
func needChromium(tb testing.TB) string {
	tb.Helper()
	p := findChromium()
	if p == "" {
		msg := "no Chromium: the report's browser test needs Debian's chromium package (apt-get install chromium; .ci/run installs it) or $HOUND_CHROMIUM"
		if os.Getenv("CI") != "" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return p
}

// cdpMessage is one protocol message: a command, its reply or an event.
type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

// browser is a headless Chromium and one page of it.
type browser struct {
	cmd     *exec.Cmd
	w       *os.File // the browser reads commands from it (its fd 3)
	session string   // the page's
	stderr  bytes.Buffer

	mu      sync.Mutex
	next    int
	waiting map[int]chan cdpMessage
	onEvent func(cdpMessage)
	closed  chan struct{}
}

// startBrowser starts Chromium headless and opens a blank page of width x
// height; onEvent sees every event of the page (called on the reading
// goroutine). The browser is closed when the test ends.
func startBrowser(tb testing.TB, width, height int, onEvent func(cdpMessage)) *browser {
	tb.Helper()
	path := needChromium(tb)
	toBrowser, commands, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	replies, fromBrowser, err := os.Pipe()
	if err != nil {
		tb.Fatal(err)
	}
	b := &browser{w: commands, waiting: map[int]chan cdpMessage{}, onEvent: onEvent, closed: make(chan struct{})}
	b.cmd = exec.Command(path, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
		"--user-data-dir="+tb.TempDir(), "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
		"--disable-component-update", "--disable-default-apps", "--disable-extensions", "--disable-sync", "--disable-breakpad",
		"--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars", "--password-store=basic", "--use-mock-keychain",
		"--disable-features=Translate,MediaRouter,OptimizationHints,DialMediaRouteProvider",
		fmt.Sprintf("--window-size=%d,%d", width, height), "about:blank")
	b.cmd.ExtraFiles = []*os.File{toBrowser, fromBrowser} // fds 3 and 4
	b.cmd.Stderr = &lockedWriter{w: &b.stderr, mu: &b.mu}
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its helpers go with it
	b.cmd.WaitDelay = 2 * time.Second                       // a helper left holding stderr does not hold up Wait
	if err := b.cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", path, err)
	}
	toBrowser.Close()
	fromBrowser.Close()
	go b.read(replies)
	tb.Cleanup(b.close)

	var target struct{ TargetID string }
	if err := b.call("", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		tb.Fatalf("chromium: %v\n%s", err, b.log())
	}
	var attached struct{ SessionID string }
	if err := b.call("", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		tb.Fatal(err)
	}
	b.session = attached.SessionID
	if err := b.call(b.session, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		tb.Fatal(err)
	}
	return b
}

// read delivers replies to their callers and events to onEvent.
func (b *browser) read(r *os.File) {
	defer close(b.closed)
	br := bufio.NewReaderSize(r, 1<<20)
	for {
		raw, err := br.ReadBytes(0)
		if err != nil {
			return
		}
		var m cdpMessage
		if json.Unmarshal(raw[:len(raw)-1], &m) != nil {
			continue
		}
		if m.ID != 0 {
			b.mu.Lock()
			ch := b.waiting[m.ID]
			delete(b.waiting, m.ID)
			b.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		if m.SessionID == b.session && b.onEvent != nil {
			b.onEvent(m)
		}
	}
}

// call sends a command (to the page's session, or the browser's when
// session is "") and decodes its result into out.
func (b *browser) call(session, method string, params any, out any) error {
	b.mu.Lock()
	b.next++
	id := b.next
	ch := make(chan cdpMessage, 1)
	b.waiting[id] = ch
	b.mu.Unlock()
	msg := map[string]any{"id": id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	raw, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := b.w.Write(append(raw, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s (%d)", method, m.Error.Message, m.Error.Code)
		}
		if out != nil {
			return json.Unmarshal(m.Result, out)
		}
		return nil
	case <-b.closed:
		return fmt.Errorf("%s: the browser exited", method)
	case <-time.After(60 * time.Second):
		return fmt.Errorf("%s: no reply in 60 s", method)
	}
}

// page sends a command to the page.
func (b *browser) page(method string, params any, out any) error {
	return b.call(b.session, method, params, out)
}

// eval evaluates a JavaScript expression in the page, awaiting a promise,
// and decodes its value into out.
func (b *browser) eval(expr string, out any) error {
	var r struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if err := b.page("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true, "awaitPromise": true}, &r); err != nil {
		return err
	}
	if e := r.ExceptionDetails; e != nil {
		return fmt.Errorf("%s: %s %s", expr, e.Text, e.Exception.Description)
	}
	if out == nil {
		return nil
	}
	if len(r.Result.Value) == 0 {
		return fmt.Errorf("%s: no value", expr)
	}
	return json.Unmarshal(r.Result.Value, out)
}

// click presses and releases the left mouse button at (x, y), CSS pixels
// from the page's top left corner.
func (b *browser) click(x, y float64) error {
	for _, typ := range []string{"mouseMoved", "mousePressed", "mouseReleased"} {
		p := map[string]any{"type": typ, "x": x, "y": y}
		if typ != "mouseMoved" {
			p["button"], p["clickCount"] = "left", 1
		}
		if err := b.page("Input.dispatchMouseEvent", p, nil); err != nil {
			return err
		}
	}
	return nil
}

// screenshot saves a PNG of the page to dir/name and returns its path.
func (b *browser) screenshot(dir, name string) (string, error) {
	var shot struct{ Data string }
	if err := b.page("Page.captureScreenshot", map[string]any{"format": "png"}, &shot); err != nil {
		return "", err
	}
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	return path, os.WriteFile(path, png, 0o644)
}

// log is what the browser wrote on stderr.
func (b *browser) log() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stderr.String()
}

// close asks the browser to quit, and kills its process group if it does
// not within a few seconds.
func (b *browser) close() {
	done := make(chan error, 1)
	go func() { done <- b.cmd.Wait() }()
	b.call("", "Browser.close", map[string]any{}, nil)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		<-done
	}
	b.w.Close()
}

type lockedWriter struct {
	w  *bytes.Buffer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// pageWatch records what a page must not do: console errors, uncaught
// exceptions, error log entries and any request but for the page itself.
type pageWatch struct {
	allow    string // the page's own URL
	mu       sync.Mutex
	problems []string
	requests []string // requests for anything but the page
	seen     int      // requests of any kind, the page's own included
}

func (p *pageWatch) event(m cdpMessage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch m.Method {
	case "Runtime.consoleAPICalled":
		var e struct {
			Type string
			Args []struct {
				Value       any
				Description string
			}
		}
		json.Unmarshal(m.Params, &e)
		if e.Type == "error" || e.Type == "assert" {
			var parts []string
			for _, a := range e.Args {
				parts = append(parts, fmt.Sprint(a.Value, a.Description))
			}
			p.problems = append(p.problems, "console."+e.Type+": "+strings.Join(parts, " "))
		}
	case "Runtime.exceptionThrown":
		var e struct {
			ExceptionDetails struct {
				Text      string
				Exception struct{ Description string }
			}
		}
		json.Unmarshal(m.Params, &e)
		p.problems = append(p.problems, "exception: "+e.ExceptionDetails.Text+" "+e.ExceptionDetails.Exception.Description)
	case "Log.entryAdded":
		var e struct {
			Entry struct{ Level, Source, Text, URL string }
		}
		json.Unmarshal(m.Params, &e)
		if e.Entry.Level == "error" {
			p.problems = append(p.problems, fmt.Sprintf("log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	case "Network.requestWillBeSent":
		var e struct{ Request struct{ URL string } }
		json.Unmarshal(m.Params, &e)
		p.seen++
		if e.Request.URL != p.allow && !strings.HasPrefix(e.Request.URL, "data:") {
			p.requests = append(p.requests, e.Request.URL)
		}
	}
}

func (p *pageWatch) report() (problems, requests []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.problems...), append([]string(nil), p.requests...)
}

// openReport starts a browser, opens the report file and waits until the
// page says it is ready (window.houndReady). It returns the browser, the
// watch of its page, and how long the page took from the navigation to
// ready.
func openReport(tb testing.TB, file string, width, height int) (*browser, *pageWatch, time.Duration) {
	tb.Helper()
	abs, err := filepath.Abs(file)
	if err != nil {
		tb.Fatal(err)
	}
	url := "file://" + abs
	watch := &pageWatch{allow: url}
	b := startBrowser(tb, width, height, watch.event)
	for _, domain := range []string{"Runtime", "Log", "Network", "Page", "Performance"} {
		if err := b.page(domain+".enable", map[string]any{}, nil); err != nil {
			tb.Fatal(err)
		}
	}
	start := time.Now()
	var nav struct{ ErrorText string }
	if err := b.page("Page.navigate", map[string]any{"url": url}, &nav); err != nil || nav.ErrorText != "" {
		tb.Fatalf("navigate to %s: %v %s", url, err, nav.ErrorText)
	}
	var ready bool
	err = b.eval(`new Promise((resolve, reject) => {
		const t0 = Date.now();
		(function poll() {
			if (window.houndReady === true) return resolve(true);
			if (Date.now() - t0 > 60000) return reject(new Error('the page never set window.houndReady'));
			setTimeout(poll, 10);
		})();
	})`, &ready)
	if err != nil {
		problems, _ := watch.report()
		tb.Fatalf("%v\npage problems: %v\n%s", err, problems, b.log())
	}
	return b, watch, time.Since(start)
}

// mainThreadCPU is the CPU time of the page's main thread since the
// Performance domain was enabled (before the navigation): the page's own
// cost, which other work on the machine does not inflate.
func mainThreadCPU(b *browser) (time.Duration, error) {
	var m struct {
		Metrics []struct {
			Name  string
			Value float64
		}
	}
	if err := b.page("Performance.getMetrics", map[string]any{}, &m); err != nil {
		return 0, err
	}
	for _, x := range m.Metrics {
		if x.Name == "ThreadTime" {
			return time.Duration(x.Value * float64(time.Second)), nil
		}
	}
	return 0, errors.New("no ThreadTime metric")
}

// artifactDir is where browser tests leave their screenshots:
// $HOUND_ARTIFACTS (CI sets it), else the test's temporary directory.
func artifactDir(tb testing.TB) string {
	if d := os.Getenv("HOUND_ARTIFACTS"); d != "" {
		return d
	}
	return tb.TempDir()
}

var errNoNode = errors.New("no such node")

// nodeCentre is where a node of the page's graph is drawn, in page pixels:
// the graph library's rendered position plus its container's offset. A
// node outside the visible graph is centred first.
func nodeCentre(b *browser, id string) (x, y float64, err error) {
	var p struct {
		Found bool
		X, Y  float64
	}
	idJSON, _ := json.Marshal(id)
	err = b.eval(`(() => {
		const n = cy.getElementById(`+string(idJSON)+`);
		if (n.empty()) return {found: false, x: 0, y: 0};
		let r = n.renderedPosition();
		if (r.x < 10 || r.y < 10 || r.x > cy.width() - 10 || r.y > cy.height() - 10) { cy.center(n); r = n.renderedPosition(); }
		const box = cy.container().getBoundingClientRect();
		return {found: true, x: box.left + r.x, y: box.top + r.y};
	})()`, &p)
	if err == nil && !p.Found {
		err = fmt.Errorf("%w: %s", errNoNode, id)
	}
	return p.X, p.Y, err
}
