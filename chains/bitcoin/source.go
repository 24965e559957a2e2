package bitcoin

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/btcsuite/btcd/rpcclient"

	"github.com/houndtrace/hound/chains"
)

var _ chains.BlockSource = (*Source)(nil)

// Config says how to reach a Bitcoin node's JSON-RPC and how patiently.
// Zero fields take the defaults DefaultConfig lists.
type Config struct {
	// URL is the node's RPC endpoint: http://host:port, https://host:port
	// or a bare host:port (http). A path is kept (Bitcoin Core's
	// /wallet/<name>); user info in the URL is used when User and Pass
	// are empty.
	URL string
	// User and Pass authenticate with the node; when Pass is empty,
	// CookieFile (Bitcoin Core's .cookie) is read instead, before each
	// call, so a restarted node's new cookie is picked up.
	User, Pass string
	CookieFile string
	// Network is the network the node must serve; nil takes whichever
	// known network the node's genesis block belongs to.
	Network *Network
	// Timeout bounds each attempt of each call.
	Timeout time.Duration
	// Retries is how many times a call that failed transiently is tried
	// again; a negative value disables retries. Backoff is the wait before
	// the first retry; it doubles with each retry, up to MaxBackoff.
	Retries int
	Backoff time.Duration
	// Logger receives retries (debug); nil is silent.
	Logger *slog.Logger
}

// MaxBackoff caps the wait between two retries.
const MaxBackoff = 5 * time.Second

// DefaultConfig returns the defaults Dial uses for zero fields: a 30s
// timeout per attempt, 5 retries starting at a 200ms backoff, no logging.
func DefaultConfig() Config {
	return Config{Timeout: 30 * time.Second, Retries: 5, Backoff: 200 * time.Millisecond}
}

// withDefaults fills the zero fields of c from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.Retries == 0 {
		c.Retries = d.Retries
	}
	c.Retries = max(c.Retries, 0)
	if c.Backoff <= 0 {
		c.Backoff = d.Backoff
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Source reads blocks from a btcd or Bitcoin Core node over JSON-RPC,
// using only calls both serve: getblockcount, getblockhash, getblock with
// verbosity 0 and getrawtransaction. Its methods are safe for concurrent
// use.
type Source struct {
	conn rpcclient.ConnConfig // copied for each call
	host string               // for messages, without credentials
	net  *Network
	cfg  Config
}

// Dial checks that a node listens at cfg.URL (one TCP connection, no
// retries), asks it once for its genesis block, and checks that block
// against cfg.Network, or finds the network by it. A wrong password, a
// refused connection or another network each fail with one line naming
// the host.
func Dial(ctx context.Context, cfg Config) (*Source, error) {
	cfg = cfg.withDefaults()
	conn, host, err := connConfig(cfg)
	if err != nil {
		return nil, err
	}
	s := &Source{conn: conn, host: host, net: cfg.Network, cfg: cfg}
	if err := s.ping(ctx); err != nil {
		return nil, err
	}
	var genesis chains.Hash
	err = s.attempt(ctx, func(ctx context.Context) (err error) {
		genesis, err = s.hashAt(ctx, 0)
		return err
	})
	var auth *AuthError
	switch {
	case errors.As(err, &auth), errors.Is(err, syscall.ECONNREFUSED):
		return nil, err // they name the host
	case err != nil:
		return nil, fmt.Errorf("bitcoin RPC at %s: %w", host, err)
	}
	if err := s.settleNetwork(genesis); err != nil {
		return nil, err
	}
	return s, nil
}

// settleNetwork checks the node's genesis block against the configured
// network, or takes the network it belongs to when none is configured.
func (s *Source) settleNetwork(genesis chains.Hash) error {
	if s.net != nil {
		return s.checkGenesis(genesis)
	}
	net, ok := networkByGenesis(genesis)
	if !ok {
		return fmt.Errorf("bitcoin node at %s serves no known network: its genesis block is %s", s.host, genesis.Format(chains.Bitcoin))
	}
	s.net = net
	return nil
}

// connConfig turns cfg into rpcclient's connection settings, in HTTP POST
// mode (Bitcoin Core has no websocket RPC), and names the host for
// messages.
func connConfig(cfg Config) (rpcclient.ConnConfig, string, error) {
	raw := strings.TrimSpace(cfg.URL)
	if !strings.Contains(raw, "://") {
		raw = "http://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Port() == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return rpcclient.ConnConfig{}, "", fmt.Errorf("bitcoin RPC URL %q: want http://host:port, https://host:port or host:port", cfg.URL)
	}
	conn := rpcclient.ConnConfig{
		Host:         u.Host + strings.TrimSuffix(u.Path, "/"),
		User:         cfg.User,
		Pass:         cfg.Pass,
		CookiePath:   cfg.CookieFile,
		HTTPPostMode: true,
		DisableTLS:   u.Scheme == "http",
	}
	if conn.Pass == "" && u.User != nil {
		conn.User = u.User.Username()
		conn.Pass, _ = u.User.Password()
	}
	conn.DisableAuth = conn.Pass == "" && conn.CookiePath == ""
	return conn, u.Host, nil
}

// ping opens one TCP connection to the node: rpcclient retries a refused
// connection for about 22 seconds before it reports it, which is no way
// to tell a user the node is not running.
func (s *Source) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", s.host)
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return refused(s.host)
	case err != nil:
		return fmt.Errorf("bitcoin RPC at %s: %w", s.host, err)
	}
	return c.Close()
}

// checkGenesis checks that genesis is s's network's.
func (s *Source) checkGenesis(genesis chains.Hash) error {
	if genesis == s.net.Genesis() {
		return nil
	}
	actual := "an unknown network"
	if other, ok := networkByGenesis(genesis); ok {
		actual = other.Name
	}
	return fmt.Errorf("bitcoin node at %s serves %s (genesis %s), not %s", s.host, actual, genesis.Format(chains.Bitcoin), s.net.Name)
}

// Chain returns chains.Bitcoin.
func (s *Source) Chain() chains.Chain { return chains.Bitcoin }

// Net returns the network the node serves.
func (s *Source) Net() *Network { return s.net }

// Network checks that the node still serves the network it served at Dial
// (its genesis block) and returns the network's ID, "bitcoin:<name>".
func (s *Source) Network(ctx context.Context) (string, error) {
	var genesis chains.Hash
	err := s.retry(ctx, func(ctx context.Context) (err error) {
		genesis, err = s.hashAt(ctx, 0)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("fetch the genesis block hash: %w", err)
	}
	if err := s.checkGenesis(genesis); err != nil {
		return "", err
	}
	return s.net.ID(), nil
}

// Head returns the height of the node's best block.
func (s *Source) Head(ctx context.Context) (uint64, error) {
	var head uint64
	err := s.retry(ctx, func(ctx context.Context) error {
		res, err := s.call(ctx, "getblockcount")
		if err == nil {
			err = json.Unmarshal(res, &head)
		}
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
	var h chains.Hash
	err := s.retry(ctx, func(ctx context.Context) (err error) {
		h, err = s.hashAt(ctx, n)
		return err
	})
	if err != nil {
		return h, fmt.Errorf("fetch block hash %d: %w", n, err)
	}
	return h, nil
}

// hashAt asks once for the hash of the block at height n.
func (s *Source) hashAt(ctx context.Context, n uint64) (chains.Hash, error) {
	res, err := s.call(ctx, "getblockhash", n)
	if err != nil {
		return chains.Hash{}, notFound(err, -1, -8)
	}
	var hexHash string
	if err := json.Unmarshal(res, &hexHash); err != nil {
		return chains.Hash{}, fmt.Errorf("getblockhash: %w", err)
	}
	return chains.ParseHash(chains.Bitcoin, hexHash)
}

// Block fetches the block at height n (getblockhash, then getblock with
// verbosity 0) and parses it. It wraps ErrNotFound when there is no such
// block.
func (s *Source) Block(ctx context.Context, n uint64) (*chains.Block, error) {
	hash, err := s.BlockHash(ctx, n)
	if err != nil {
		return nil, err
	}
	raw, err := s.rawHex(ctx, "getblock", hash.Format(chains.Bitcoin), 0)
	if err != nil {
		return nil, fmt.Errorf("fetch block %d (%s): %w", n, hash.Format(chains.Bitcoin), err)
	}
	b, err := ParseBlock(raw, n, s.net)
	if err != nil {
		return nil, err
	}
	if b.Hash != hash {
		return nil, fmt.Errorf("fetch block %d: asked for %s, the node sent %s", n, hash.Format(chains.Bitcoin), b.Hash.Format(chains.Bitcoin))
	}
	return b, nil
}

// Tx fetches one transaction by its txid (getrawtransaction, which needs
// the node's transaction index for confirmed transactions: btcd --txindex,
// bitcoind -txindex). Its Index is 0: the node does not say where in its
// block it is. It wraps ErrNotFound when the node does not know it.
func (s *Source) Tx(ctx context.Context, txid chains.Hash) (*chains.UTXOTx, error) {
	id := txid.Format(chains.Bitcoin)
	raw, err := s.rawHex(ctx, "getrawtransaction", id, 0)
	if err != nil {
		return nil, fmt.Errorf("fetch transaction %s: %w", id, err)
	}
	tx, err := ParseTx(raw, s.net)
	if err != nil {
		return nil, fmt.Errorf("transaction %s: %w", id, err)
	}
	if tx.Hash != txid {
		return nil, fmt.Errorf("fetch transaction %s: the node sent %s", id, tx.Hash.Format(chains.Bitcoin))
	}
	return tx, nil
}

// rawHex makes a call whose result is hex, and decodes it.
func (s *Source) rawHex(ctx context.Context, method string, params ...any) ([]byte, error) {
	var raw []byte
	err := s.retry(ctx, func(ctx context.Context) error {
		res, err := s.call(ctx, method, params...)
		if err != nil {
			return notFound(err, -5)
		}
		var h string
		if err := json.Unmarshal(res, &h); err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		raw, err = hex.DecodeString(h)
		return err
	})
	return raw, err
}
