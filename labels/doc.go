// Package labels holds what Hound knows about addresses: who controls them and
// what they are. A Label attributes one address to a category (theft,
// exchange, mixer, bridge, dex, otc, ransomware, sanctioned, scam, service), an
// entity ("Tornado Cash 100 ETH", "Binance"), and for attributed thefts an
// actor ("DPRK"), a group ("Lazarus Group", "TraderTraitor") and a campaign
// ("Ronin Bridge 2022-03"), with the source that says so, a confidence on the
// GraphSense TagPack scale, and optional first and last seen dates.
//
// # Where an address lives
//
// Every label names where its address lives. Label.Chain is a chain Hound
// traces (chains.Ethereum, chains.Bitcoin); Label.Network is the asset or
// network code the source used when it is not the chain's own coin: "USDT"
// for Tether on Ethereum, or the code of a network Hound does not trace yet
// ("LTC", "TRX", "XMR", "BSC"). Labels on untraced networks have an empty
// Chain, are kept and counted, and are never dropped: Label.Traced tells them
// apart, and Set.Lookup, which answers for traced chains, never returns them.
// Asset codes map to chains as OFAC writes them: XBT and BTC to bitcoin, ETH
// to ethereum, USDT and USDC to the chain the address format shows (0x… on
// Ethereum, a Bitcoin address for Omni USDT, T… on Tron, untraced), anything
// else to an untraced network.
//
// Addresses are kept in one canonical form per chain: lowercase 0x hex on EVM
// chains (a mixed-case address must carry a valid EIP-55 checksum), the
// address string on Bitcoin after base58check or bech32/bech32m validation
// (bech32 lowercased), and the string as given, after a light sanity check, on
// untraced networks.
//
// # How labels enter and leave
//
// Labels enter through the importers, each of which returns an Import: the
// labels it read, the rows it skipped on purpose, and one Problem per bad row
// ("file:line: why"); with Options.Strict the first problem is the error.
//
//   - ReadOFAC: the official OFAC SDN.CSV with its SDN_COMMENTS.CSV overflow.
//   - ReadTagPack and ReadActorPack: GraphSense TagPack and ActorPack YAML.
//   - ReadEtherscan: the Etherscan-family label dumps (address → name, tags).
//   - ReadCSV: Hound's CSV and the CSV layouts of the public datasets Hound
//     ships with (ultrasoundmoney, forta, the curated and DPRK tables).
//   - ReadJSON: Hound's JSON, an array of labels or {"schema":"hound.labels/v1"}.
//   - ReadList: one address per line (or a JSON array of addresses), each
//     given the fields of a template label.
//
// ReadFile opens a file and picks the importer by Format. Labels leave through
// WriteCSV, WriteJSON, WriteTagPack and WriteSTIX (a STIX 2.1 bundle of
// indicators and threat actors with deterministic ids).
//
// A Set indexes labels for lookup by chain and address, best label first; it
// is built once and is safe for concurrent readers. Lookuper is the
// one-method interface the tracer consumes; Set.Stats counts labels by
// category, source, chain, and untraced network. Builtin returns the set compiled into the
// binary: DPRK theft and laundering addresses, mixers, bridges and exchange
// wallets, each with its primary source, generated from the public data in
// ../shared/data by the generator in internal/gen.
package labels
