package bitcoin

import (
	"strings"
	"testing"
)

func TestParseNetwork(t *testing.T) {
	tests := []struct {
		in      string // what the user typed
		name    string // the canonical name
		magic   string // the block-file magic, as bytes in the file
		genesis string // the genesis block hash
	}{
		{"mainnet", "mainnet", "f9beb4d9", "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"},
		{" Main ", "mainnet", "f9beb4d9", "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"},
		{"testnet", "testnet3", "0b110907", "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943"},
		{"testnet3", "testnet3", "0b110907", "000000000933ea01ad0ee984209779baaec3ced90fa3f408719526f8d77f4943"},
		{"testnet4", "testnet4", "1c163f28", "00000000da84f2bafbbc53dee25a72ae507ff4914b867c565be350b0da8bf043"},
		{"signet", "signet", "0a03cf40", "00000008819873e925422c1ff0f99f7cc9bbb232af63a077a480a3633bee1ef6"},
		{"REGTEST", "regtest", "fabfb5da", "0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206"},
		{"simnet", "simnet", "161c1412", "683e86bd5c6d110d91b94b97137ba6bfe02dbbdb8e3dff722a669b5d69d77af6"},
	}
	for _, tt := range tests {
		net, err := ParseNetwork(tt.in)
		if err != nil {
			t.Fatalf("ParseNetwork(%q): %v", tt.in, err)
		}
		m := net.magicBytes()
		if net.Name != tt.name || net.ID() != "bitcoin:"+tt.name || hexOf(m[:]) != tt.magic || net.Genesis().Format("bitcoin") != tt.genesis {
			t.Errorf("ParseNetwork(%q) = %s, %s, magic %x, genesis %s; want %s, magic %s, genesis %s",
				tt.in, net.Name, net.ID(), m, net.Genesis().Format("bitcoin"), tt.name, tt.magic, tt.genesis)
		}
		if byMagic, _ := networkByMagic(m); byMagic != net {
			t.Errorf("%s: its magic finds %v", net, byMagic)
		}
		if byGenesis, _ := networkByGenesis(net.Genesis()); byGenesis != net {
			t.Errorf("%s: its genesis finds %v", net, byGenesis)
		}
	}
	if _, err := ParseNetwork("litecoin"); err == nil || !strings.Contains(err.Error(), `"litecoin"`) {
		t.Errorf("ParseNetwork(litecoin): %v", err)
	}
}
