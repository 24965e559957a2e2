package ethereum

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/houndtrace/hound/chains"
)

var (
	_ chains.BlockSource = (*Source)(nil)
	_ chains.TokenReader = (*Source)(nil)
)

// ErrNotFound is wrapped by the errors of BlockHash and Block when the node
// has no block at the requested height (yet).
var ErrNotFound = errors.New("block not found")

// Options tunes a Source. Zero fields take the values of DefaultOptions.
type Options struct {
	// Retries is how many times a call that failed transiently is tried
	// again; a negative value disables retries.
	Retries int
	// Backoff is the wait before the first retry; it doubles with each
	// retry, up to MaxBackoff.
	Backoff time.Duration
	// Timeout bounds each attempt of each call.
	Timeout time.Duration
	// Logger receives retries (debug) and degraded node features (warn);
	// nil is silent.
	Logger *slog.Logger
}

// MaxBackoff caps the wait between two retries.
const MaxBackoff = 5 * time.Second

// DefaultOptions returns the options Dial uses for zero fields: 5 retries,
// a 200ms first backoff, a 30s timeout per call and no logging.
func DefaultOptions() Options {
	return Options{Retries: 5, Backoff: 200 * time.Millisecond, Timeout: 30 * time.Second}
}

// withDefaults fills the zero fields of o from DefaultOptions.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.Retries == 0 {
		o.Retries = d.Retries
	}
	if o.Retries < 0 {
		o.Retries = 0
	}
	if o.Backoff <= 0 {
		o.Backoff = d.Backoff
	}
	if o.Timeout <= 0 {
		o.Timeout = d.Timeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Source reads blocks and tokens from one Ethereum node over JSON-RPC. Its
// methods are safe for concurrent use.
type Source struct {
	rpc  *rpc.Client
	eth  *ethclient.Client
	opts Options
	// untraced is set once the node has shown it lacks
	// debug_traceBlockByNumber.
	untraced atomic.Bool
	// noBlockReceipts is set once the node has shown it lacks
	// eth_getBlockReceipts.
	noBlockReceipts atomic.Bool
}

// Dial connects to the node at rawURL and checks, once and without
// retries, that it answers eth_chainId. The URL is an http(s), ws(s) or IPC
// endpoint; a bare "host:port" means http://host:port. Errors name the
// endpoint without its credentials and path, which often hold API keys.
func Dial(ctx context.Context, rawURL string, opts Options) (*Source, error) {
	endpoint := normalizeURL(rawURL)
	c, err := rpc.DialContext(ctx, endpoint)
	if err != nil {
		return nil, fmt.Errorf("dial ethereum node %s: %w", redact(endpoint), err)
	}
	s := &Source{rpc: c, eth: ethclient.NewClient(c), opts: opts.withDefaults()}
	if err := s.ping(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("ethereum node %s does not answer eth_chainId: %w", redact(endpoint), err)
	}
	return s, nil
}

// ping asks for the chain ID once, so that a wrong URL fails fast.
func (s *Source) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	_, err := s.eth.ChainID(ctx)
	return scrub(err)
}

// normalizeURL turns a bare "host:port" into an http URL and leaves URLs
// with a scheme and IPC paths alone.
func normalizeURL(u string) string {
	u = strings.TrimSpace(u)
	if strings.Contains(u, "://") || strings.HasPrefix(u, "/") || strings.HasPrefix(u, ".") {
		return u
	}
	return "http://" + u
}

// redact returns the scheme and host of an endpoint, for error messages:
// user info, path and query often hold API keys.
func redact(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return endpoint
	}
	out := u.Scheme + "://" + u.Host
	if strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		out += "/..."
	}
	return out
}

// Close closes the connection to the node.
func (s *Source) Close() { s.rpc.Close() }

// Chain returns chains.Ethereum.
func (s *Source) Chain() chains.Chain { return chains.Ethereum }

// Traced reports whether the node serves debug_traceBlockByNumber, as far
// as the source knows: it turns false on the first block the node refuses
// to trace for lack of the method.
func (s *Source) Traced() bool { return !s.untraced.Load() }

// Network returns "chainid:<n>" for the node's chain ID.
func (s *Source) Network(ctx context.Context) (string, error) {
	var id string
	err := s.retry(ctx, func(ctx context.Context) error {
		n, err := s.eth.ChainID(ctx)
		if err == nil {
			id = n.String()
		}
		return err
	})
	if err != nil {
		return "", fmt.Errorf("fetch chain id: %w", err)
	}
	return "chainid:" + id, nil
}

// Head returns the number of the node's latest block.
func (s *Source) Head(ctx context.Context) (uint64, error) {
	var head uint64
	err := s.retry(ctx, func(ctx context.Context) error {
		n, err := s.eth.BlockNumber(ctx)
		head = n
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("fetch head: %w", err)
	}
	return head, nil
}

// BlockHash returns the hash of the node's block at height n. It wraps
// ErrNotFound when there is no such block.
func (s *Source) BlockHash(ctx context.Context, n uint64) (chains.Hash, error) {
	var head *struct {
		Hash common.Hash `json:"hash"`
	}
	err := s.retry(ctx, func(ctx context.Context) error {
		return s.rpc.CallContext(ctx, &head, "eth_getBlockByNumber", hexutil.EncodeUint64(n), false)
	})
	if err == nil && head == nil {
		err = ErrNotFound
	}
	if err != nil {
		return chains.Hash{}, fmt.Errorf("fetch block hash %d: %w", n, err)
	}
	return chains.Hash(head.Hash), nil
}
