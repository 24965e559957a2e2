package labels

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/houndtrace/hound/chains"
)

// ReadEtherscan reads an Etherscan-family label dump (brianleect/
// etherscan-labels, data/<chain>/combined/combinedAllLabels.json): an object
// mapping addresses to {"name": ..., "labels": [...]}. network says where the
// addresses live: ethereum (or ETH) for etherscan.io; the other explorers'
// chains (BSC, MATIC, ARB, OP, AVAX, FTM) are untraced networks.
//
// Each entry is classified by its name and labels (see etherscanCategory):
// Tornado.Cash pools, the router and the proxies are mixers, named
// "Tornado Cash <denomination>"; exploiters and heists are thefts; phish-hack
// entries scams; bridges bridges; the wallets of exchanges (hot, cold,
// numbered, deposit) exchanges, named after the exchange; DEX contracts dex;
// OTC desks otc; gambling services services; other OFAC-listed addresses
// sanctioned. Entries that are none of these (tokens, NFTs, DeFi contracts,
// Etherscan's "take action" alerts, which name the victims of an exploit)
// are skipped; keys that are not addresses (the dumps hold summary rows
// keyed "" and "genesis") are problems. Labels cite opts.Source, or
// "Etherscan labels (<name>)".
func ReadEtherscan(r io.Reader, network string, opts Options) (*Import, error) {
	c := newCollector(opts)
	if opts.Source == "" {
		c.opts.Source = "Etherscan labels (" + c.name + ")"
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return c.result(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return c.result(errors.New("want an object of address: {name, labels}"))
	}
	lines := lineCounter{data: data}
	for dec.More() {
		line := lines.at(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return c.result(fmt.Errorf("line %d: %w", line, err))
		}
		key, _ := tok.(string)
		var e struct {
			Name   string   `json:"name"`
			Labels []string `json:"labels"`
		}
		if err := dec.Decode(&e); err != nil {
			if err := c.problem(line, fmt.Errorf("entry %q: %w", key, err)); err != nil {
				return c.result(err)
			}
			continue
		}
		// Every explorer of the family is an EVM chain's.
		if _, err := chains.ParseAddress(chains.Ethereum, key); err != nil {
			if err := c.problem(line, err); err != nil {
				return c.result(err)
			}
			continue
		}
		cat, entity := etherscanCategory(strings.TrimSpace(e.Name), e.Labels)
		if cat == 0 {
			c.skip()
			continue
		}
		l := Label{Network: network, Address: chains.Address(key), Category: cat, Entity: entity, Confidence: WebCrawl}
		if err := c.add(line, l); err != nil {
			return c.result(err)
		}
	}
	return c.result(closing(dec))
}

var (
	tornadoPoolRe = regexp.MustCompile(`^[\d,.]+ \w+( \d+)?$`)
	theftNameRe   = regexp.MustCompile(`(?i)\b(exploiter|exploit|hacker|hack|attacker|heist|drainer)\b`)
	tickerRe      = regexp.MustCompile(`\(.*\)\s*$`)
	tokenNameRe   = regexp.MustCompile(`(?i)\(.*\)\s*$|\b(token|tokens|wrapped|coin|dollar)\b`)
	notWalletRe   = regexp.MustCompile(`(?i)\b(pool|marketplace|beacon|shares|nft|deployer|contract|vesting|unlock|swap|router|blacklister|depositor)\b`)
	walletNameRe  = regexp.MustCompile(`(?i)^([^:,]+?)(?: \d+)?(?:: (?:hot wallet|cold wallet|deposit|old address|multisig|deposit funder|deposit supplier|miscellaneous)(?: \d+)?)?$`)
)

// tornadoMixers are the Tornado.Cash contracts other than the pools that
// take deposits.
var tornadoMixers = []string{"Router", "Proxy", "Old Proxy", "Mixer 1", "Mixer 2"}

// exchangeTags are the Etherscan labels that name an exchange, with the
// exchange's name.
var exchangeTags = map[string]string{
	"binance": "Binance", "binance-deposit": "Binance", "coinbase": "Coinbase", "kraken": "Kraken",
	"huobi": "Huobi", "okx": "OKX", "kucoin": "KuCoin", "bitfinex": "Bitfinex", "gemini": "Gemini",
	"bitstamp": "Bitstamp", "poloniex": "Poloniex", "bittrex": "Bittrex", "crypto-com": "Crypto.com",
	"gate-io": "Gate.io", "bithumb": "Bithumb", "upbit": "Upbit", "ftx": "FTX", "bitmex": "BitMEX",
	"deribit": "Deribit", "hitbtc": "HitBTC", "hotbit": "Hotbit", "korbit": "Korbit", "coinone": "Coinone",
	"paribu": "Paribu", "ascendex": "AscendEX", "bitmart": "BitMart", "digifinex": "DigiFinex",
	"latoken": "LATOKEN", "coinsquare": "Coinsquare", "remitano": "Remitano", "liquid": "Liquid",
	"coinhako": "Coinhako", "coinmetro": "CoinMetro", "tidex": "Tidex", "zb-com": "ZB.com", "yunbi": "Yunbi",
}

// dexTags are the Etherscan labels of decentralized exchanges.
var dexTags = []string{"dex", "sushiswap", "balancer", "bancor", "curve-fi", "1inch", "kyberswap", "0x-protocol",
	"paraswap", "airswap", "loopring", "cow-protocol", "pancakeswap", "dex-ag", "mdex", "quickswap", "spookyswap",
	"spiritswap", "trader-joe", "pangolin", "burgerswap", "bscswap", "swipeswap", "dydx", "idex"}

// etherscanCategory classifies an Etherscan entry; 0 means skip it.
func etherscanCategory(name string, tags []string) (Category, string) {
	has := func(t ...string) bool {
		for _, x := range t {
			if slices.Contains(tags, x) {
				return true
			}
		}
		return false
	}
	if has("take-action") {
		return 0, ""
	}
	if rest, ok := strings.CutPrefix(name, "Tornado.Cash: "); ok {
		switch {
		case tornadoPoolRe.MatchString(rest), slices.Contains(tornadoMixers, rest):
			return Mixer, "Tornado Cash " + rest
		case has("ofac-sanctions-lists"):
			return Sanctioned, "Tornado Cash " + rest
		}
		return Service, "Tornado Cash " + rest
	}
	token := tokenNameRe.MatchString(name)
	switch {
	case has("ethereum-mixer", "mixer"):
		return Mixer, name
	case theftNameRe.MatchString(name) || has("heist", "exploit"):
		return Theft, orTag(name, tags)
	case has("phish-hack"):
		return Scam, orTag(name, tags)
	case has("bridge") && !tickerRe.MatchString(name):
		return Bridge, name
	}
	if cat, entity := exchangeWallet(name, tags, token); cat != 0 {
		return cat, entity
	}
	switch {
	case has(dexTags...) && !token:
		return DEX, name
	case has("otc") && !token:
		return OTC, orTag(name, tags)
	case has("gambling") && !token:
		return Service, orTag(name, tags)
	case has("ofac-sanctions-lists") && name == "":
		return Sanctioned, "OFAC SDN"
	case has("ofac-sanctions-lists"):
		return Sanctioned, name
	}
	return 0, ""
}

// exchangeWallet recognizes an exchange's wallet: an entry with an exchange
// label, or a hot or cold wallet label, whose name is the exchange's, alone,
// numbered, or followed by a wallet role ("Huobi: Old Address 27"). Token
// contracts and other contracts that carry an exchange's label are not its
// wallets. A gambling site's hot wallet is a service.
func exchangeWallet(name string, tags []string, token bool) (Category, string) {
	brand := ""
	for _, t := range tags {
		if b, ok := exchangeTags[t]; ok {
			brand = b
			break
		}
	}
	walletTag := slices.Contains(tags, "hot-wallet") || slices.Contains(tags, "cold-wallet") || slices.Contains(tags, "exchange")
	if brand == "" && !walletTag || token || notWalletRe.MatchString(name) {
		return 0, ""
	}
	if name == "" && brand != "" {
		return Exchange, brand
	}
	m := walletNameRe.FindStringSubmatch(name)
	if m == nil {
		return 0, ""
	}
	if slices.Contains(tags, "gambling") {
		return Service, name
	}
	if brand == "" {
		brand = m[1]
	}
	return Exchange, brand
}

// orTag returns name, or for an unnamed entry its first label.
func orTag(name string, tags []string) string {
	if name != "" || len(tags) == 0 {
		return name
	}
	return tags[0]
}
