package trace

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestParseModel(t *testing.T) {
	tests := []struct {
		in   string // user input
		want Model  // the model it names
	}{
		{"haircut", Haircut},
		{"poison", Poison},
		{"fifo", FIFO},
		{" LIFO ", LIFO},
		{"Tiho", TIHO},
	}
	for _, tt := range tests {
		got, err := ParseModel(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseModel(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, m := range Models {
		if got, err := ParseModel(m.String()); err != nil || got != m {
			t.Errorf("ParseModel(%q) = %v, %v; want %v", m.String(), got, err, m)
		}
	}
	if _, err := ParseModel("pro-rata"); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("ParseModel(pro-rata) error = %v; want ErrUnknownModel", err)
	}
	if got := Model(42).String(); got != "model(42)" {
		t.Errorf("Model(42).String() = %q", got)
	}
	var zero Model
	if zero != DefaultModel || DefaultModel != Haircut {
		t.Errorf("zero Model = %v, DefaultModel = %v; want haircut for both", zero, DefaultModel)
	}
}

func TestModelJSON(t *testing.T) {
	type run struct{ Model Model }
	b, err := json.Marshal(run{FIFO})
	if err != nil || string(b) != `{"Model":"fifo"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var r run
	if err := json.Unmarshal([]byte(`{"Model":"TIHO"}`), &r); err != nil || r.Model != TIHO {
		t.Fatalf("Unmarshal = %v, %v; want tiho", r.Model, err)
	}
	if err := json.Unmarshal([]byte(`{"Model":"taint"}`), &r); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("Unmarshal(taint) error = %v; want ErrUnknownModel", err)
	}
	if _, err := json.Marshal(run{Model(9)}); !errors.Is(err, ErrUnknownModel) {
		t.Errorf("Marshal(model 9) error = %v; want ErrUnknownModel", err)
	}
}
