package labels

import (
	"errors"
	"fmt"
)

// Options control an import. The zero value reads leniently, names the input
// "input" in problems and records no default source.
type Options struct {
	// Strict stops at the first bad row, returning its Problem as the error.
	// Otherwise the import goes on and lists every bad row in Import.Problems.
	Strict bool
	// Name names the input (a file name) in problems: "Name:line: why".
	Name string
	// Source is recorded on labels whose input names no source of its own.
	// When empty, such labels cite Name.
	Source string
	// Actors resolves the actor references of GraphSense TagPacks; nil
	// resolves only the DPRK groups Hound knows.
	Actors *ActorPack
}

// DefaultOptions returns lenient options.
func DefaultOptions() Options { return Options{} }

func (o Options) name() string {
	if o.Name == "" {
		return "input"
	}
	return o.Name
}

func (o Options) source() string {
	if o.Source == "" {
		return o.Name
	}
	return o.Source
}

// Import is what an importer read.
type Import struct {
	Labels   []Label    // normalized, in input order
	Problems []*Problem // bad rows, in input order (at most one when Strict)
	Skipped  int        // rows read on purpose without a label (see each format)
}

// Problem is one bad row of an input.
type Problem struct {
	File string // the input's name
	Line int    // 1-based; 0 when the problem concerns the whole input
	Err  error
}

// Error returns "file:line: why".
func (p *Problem) Error() string {
	if p.Line <= 0 {
		return fmt.Sprintf("%s: %v", p.File, p.Err)
	}
	return fmt.Sprintf("%s:%d: %v", p.File, p.Line, p.Err)
}

// Unwrap returns the cause.
func (p *Problem) Unwrap() error { return p.Err }

// errStop ends an import after a problem in strict mode; collector.result
// turns it into the problem itself.
var errStop = errors.New("stop")

// collector gathers an import's labels and problems.
type collector struct {
	opts Options
	name string // the input's name in problems
	imp  Import
}

func newCollector(opts Options) *collector {
	return &collector{opts: opts, name: opts.name()}
}

// add normalizes a label read at line and keeps it, or records why not. It
// returns errStop when the import must stop.
func (c *collector) add(line int, l Label) error { return c.addIn(c.name, line, "", l) }

// addIn is add for a label read from file (an import can read more than one
// input); what, when not empty, prefixes the reason of a problem.
func (c *collector) addIn(file string, line int, what string, l Label) error {
	if l.Source == "" {
		l.Source = c.opts.source()
	}
	if err := l.Normalize(); err != nil {
		if what != "" {
			err = fmt.Errorf("%s: %w", what, err)
		}
		return c.problemIn(file, line, err)
	}
	c.imp.Labels = append(c.imp.Labels, l)
	return nil
}

// problem records a bad row at line. It returns errStop when the import is
// strict.
func (c *collector) problem(line int, err error) error { return c.problemIn(c.name, line, err) }

// problemIn is problem for a row of file.
func (c *collector) problemIn(file string, line int, err error) error {
	c.imp.Problems = append(c.imp.Problems, &Problem{File: file, Line: line, Err: err})
	if c.opts.Strict {
		return errStop
	}
	return nil
}

// skip counts a row read on purpose without a label.
func (c *collector) skip() { c.imp.Skipped++ }

// result finishes the import: err is what stopped it early, if anything. In
// strict mode the first problem is the error.
func (c *collector) result(err error) (*Import, error) {
	switch {
	case errors.Is(err, errStop):
		return &c.imp, c.imp.Problems[0]
	case err != nil:
		return &c.imp, &Problem{File: c.name, Err: err}
	}
	return &c.imp, nil
}
