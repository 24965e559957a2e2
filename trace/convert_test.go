package trace

import (
	"errors"
	"math/big"
	"testing"
)

func TestConvert(t *testing.T) {
	tests := []struct {
		name    string   // the example
		out     *big.Int // the conversion's output amount, base units
		in      *big.Int // its input amount, base units
		inTaint *big.Int // the input's taint
		want    *big.Int // the output's taint
	}{
		// S3's BTC leg: 1.52 BTC out for 40 ETH in, 16/10/20 ETH tainted
		// (haircut, FIFO, LIFO): 0.608, 0.38 and 0.76 BTC.
		{"S3 haircut", big.NewInt(152_000_000), eth("40"), eth("16"), big.NewInt(60_800_000)},
		{"S3 FIFO", big.NewInt(152_000_000), eth("40"), eth("10"), big.NewInt(38_000_000)},
		{"S3 LIFO", big.NewInt(152_000_000), eth("40"), eth("20"), big.NewInt(76_000_000)},
		// S2's swap: 1,000,000 stolen USDT (6 decimals) for 500 WETH.
		{"S2 swap", eth("500"), big.NewInt(1_000_000_000_000), big.NewInt(1_000_000_000_000), eth("500")},
		// 1 wei for 3 token units of which 1 is tainted: 1/3 floors to 0.
		{"floor", big.NewInt(1), big.NewInt(3), big.NewInt(1), big.NewInt(0)},
		{"empty input", eth("1"), big.NewInt(0), big.NewInt(0), big.NewInt(0)},
	}
	for _, tt := range tests {
		got, err := Convert(tt.out, tt.in, tt.inTaint)
		if err != nil || got.Cmp(tt.want) != 0 {
			t.Errorf("%s: %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	for _, bad := range [][3]*big.Int{
		{big.NewInt(-1), eth("1"), eth("1")},
		{nil, eth("1"), eth("1")},
		{eth("1"), eth("1"), eth("2")},
		{eth("1"), big.NewInt(-2), big.NewInt(-3)},
	} {
		if _, err := Convert(bad[0], bad[1], bad[2]); !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("Convert(%v, %v, %v) error %v; want ErrInvalidAmount", bad[0], bad[1], bad[2], err)
		}
	}
}
