package labels

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Format names a label file format on the command line.
type Format string

// The formats. ReadFile reads all but FormatSTIX; the exporters write CSV,
// JSON, TagPack and STIX.
const (
	FormatAuto      Format = ""          // pick by file name and content
	FormatCSV       Format = "csv"       // Hound's CSV and the known dataset layouts (ReadCSV)
	FormatJSON      Format = "json"      // Hound's JSON (ReadJSON)
	FormatTagPack   Format = "tagpack"   // GraphSense TagPack YAML (ReadTagPack)
	FormatOFAC      Format = "ofac"      // the official SDN.CSV, with SDN_COMMENTS.CSV beside it (ReadOFAC)
	FormatEtherscan Format = "etherscan" // an Etherscan-family label dump (ReadEtherscan)
	FormatSTIX      Format = "stix"      // a STIX 2.1 bundle (WriteSTIX; export only)
)

var formats = []Format{FormatCSV, FormatJSON, FormatTagPack, FormatOFAC, FormatEtherscan, FormatSTIX}

// ParseFormat turns a format name into a Format; "" and "auto" are FormatAuto.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	if f == "auto" || f == FormatAuto {
		return FormatAuto, nil
	}
	for _, k := range formats {
		if f == k {
			return f, nil
		}
	}
	return "", fmt.Errorf("unknown format %q (known: auto, csv, json, tagpack, ofac, etherscan, stix)", s)
}

// explorerNetworks maps the file name prefixes of the Etherscan-family dumps
// to their chain or network code.
var explorerNetworks = map[string]string{
	"etherscan":   "ethereum",
	"bscscan":     "BSC",
	"polygonscan": "MATIC",
	"arbiscan":    "ARB",
	"optimism":    "OP",
	"avalanche":   "AVAX",
	"ftmscan":     "FTM",
}

// ReadFile imports the labels of a file. FormatAuto picks the format from the
// name and the first bytes: *.yaml and *.yml are TagPacks; a CSV named like
// SDN.CSV or SDN_COMMENTS.CSV is the OFAC list (its companion file is read
// from the same directory); other *.csv files are CSV; a JSON array or an
// object with a "schema" is Hound's JSON; another JSON object is an Etherscan
// dump, whose network the file name's prefix gives (etherscan_, bscscan_,
// polygonscan_, arbiscan_, optimism_, avalanche_, ftmscan_). opts.Name
// defaults to path.
func ReadFile(path string, f Format, opts Options) (*Import, error) {
	if opts.Name == "" {
		opts.Name = path
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if f == FormatAuto {
		if f, err = detectFormat(path, data); err != nil {
			return nil, err
		}
	}
	r := bytes.NewReader(data)
	switch f {
	case FormatCSV:
		return ReadCSV(r, opts)
	case FormatJSON:
		return ReadJSON(r, opts)
	case FormatTagPack:
		return ReadTagPack(r, opts)
	case FormatEtherscan:
		network, ok := explorerNetwork(path)
		if !ok {
			return nil, fmt.Errorf("%s: cannot tell the network from the file name (want a prefix: etherscan_, bscscan_, polygonscan_, arbiscan_, optimism_, avalanche_, ftmscan_)", path)
		}
		return ReadEtherscan(r, network, opts)
	case FormatOFAC:
		return readOFACFile(path, data, opts)
	}
	return nil, fmt.Errorf("%s: format %q cannot be imported", path, f)
}

func detectFormat(path string, data []byte) (Format, error) {
	base := strings.ToLower(filepath.Base(path))
	switch ext := filepath.Ext(base); {
	case ext == ".yaml" || ext == ".yml":
		return FormatTagPack, nil
	case ext == ".csv" && strings.HasPrefix(base, "sdn"):
		return FormatOFAC, nil
	case ext == ".csv":
		return FormatCSV, nil
	}
	head := bytes.TrimSpace(data)
	switch {
	case len(head) > 0 && head[0] == '[':
		return FormatJSON, nil
	case len(head) > 0 && head[0] == '{' && bytes.Contains(head[:min(len(head), 200)], []byte(`"schema"`)):
		return FormatJSON, nil
	case len(head) > 0 && head[0] == '{':
		return FormatEtherscan, nil
	}
	return "", fmt.Errorf("%s: cannot tell the format; name one (csv, json, tagpack, ofac, etherscan)", path)
}

func explorerNetwork(path string) (string, bool) {
	base := strings.ToLower(filepath.Base(path))
	for prefix, network := range explorerNetworks {
		if strings.HasPrefix(base, prefix+"_") {
			return network, true
		}
	}
	return "", false
}

// readOFACFile reads SDN.CSV with the SDN_COMMENTS.CSV beside it, or a
// comments file alone.
func readOFACFile(path string, data []byte, opts Options) (*Import, error) {
	dir, base := filepath.Split(path)
	if strings.Contains(strings.ToLower(base), "comments") {
		return ReadOFAC(OFACFiles{Comments: bytes.NewReader(data), CommentsName: path}, opts)
	}
	files := OFACFiles{SDN: bytes.NewReader(data), SDNName: path}
	entries, err := os.ReadDir(filepath.Clean(dir))
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if n := strings.ToLower(e.Name()); strings.HasPrefix(n, "sdn_comments") && strings.HasSuffix(n, ".csv") {
			files.CommentsName = filepath.Join(dir, e.Name())
			comments, err := os.ReadFile(files.CommentsName)
			if err != nil {
				return nil, err
			}
			files.Comments = bytes.NewReader(comments)
			break
		}
	}
	return ReadOFAC(files, opts)
}
