package trace

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/houndtrace/hound/chains"
)

// Concurrent is implemented by a Graph that can serve a second goroutine
// its own reads. The walk then reads ahead: when it starts following a
// node, the second goroutine reads the nodes that node pays afterwards
// (where its taint may go next), soonest payment first, while the walk
// goes on. A read the walk needs before the reader has begun it, the walk
// makes itself.
type Concurrent interface {
	Graph
	// FlowReader returns a Flows for one more goroutine, and what ends it.
	FlowReader() (flows func(context.Context, chains.Node, func(chains.Flow) error) error, end func())
}

// aheadBudget bounds the flows read ahead and not yet used: past it the
// reader waits for the walk to use them (a node paying thousands of
// unlabelled hubs would otherwise hold their flows all at once).
var aheadBudget int64 = 1 << 18

// The states of a read ahead.
const (
	aheadQueued int32 = iota
	aheadReading
	aheadDone
	aheadTaken // the walk needed it before the reader began it
)

// aheadRead is one node's flows read ahead, up to the fan-out bound, for
// the payment at ev, the first that may need them, which would bring the
// node taint at hop.
type aheadRead struct {
	id    chains.Node
	ev    event
	hop   int
	state atomic.Int32
	flows []chains.Flow // in flowOrder
	hub   bool
	err   error
	past  int // the first of flows after ev
	// to and taken belong to the walk: the slots of the nodes the flows
	// pay, once looked up (node.to), and whether it took the flows.
	to    []*slot
	taken bool
}

// reader reads nodes ahead of the walk on its own goroutine.
type reader struct {
	held   atomic.Int64 // flows read and not yet used
	budget int64        // aheadBudget when it began
	// own is the walk's own Flows while the reader runs, ended by endOwn.
	own    flowsFunc
	endOwn func()

	mu      sync.Mutex
	wake    *sync.Cond             // the reader waits on it for reads to make
	done    *sync.Cond             // the walk waits on it for a read in progress
	queue   eventQueue[*aheadRead] // soonest needed first
	read    []*aheadRead           // read since the walk last looked
	now     event                  // the walk's place: a read needed before it is late
	stopped bool
	wg      sync.WaitGroup
}

// startReader starts the reader goroutine, if the graph allows.
func (w *walker) startReader() bool {
	if w.reader != nil {
		return true
	}
	c, ok := w.g.(Concurrent)
	if !ok {
		return false
	}
	r := &reader{budget: aheadBudget}
	r.wake = sync.NewCond(&r.mu)
	r.done = sync.NewCond(&r.mu)
	r.wg.Add(1)
	flows, end := c.FlowReader()
	r.own, r.endOwn = c.FlowReader()
	go r.run(w.ctx, flows, end, w.opts.FanOut)
	w.reader = r
	return true
}

func (r *reader) run(ctx context.Context, flows flowsFunc, end func(), fanOut int) {
	defer r.wg.Done()
	defer end()
	var scratch []chains.Flow
	for a := r.next(); a != nil; a = r.next() {
		a.flows, a.hub, a.err = readFlows(ctx, flows, a.id, true, fanOut, &scratch)
		a.past, _ = slices.BinarySearchFunc(a.flows, a.ev.at, func(f chains.Flow, at chains.Pos) int {
			if f.Pos.Less(at) || f.Pos == at {
				return -1
			}
			return 1
		})
		r.held.Add(int64(len(a.flows)))
		a.state.Store(aheadDone)
		r.mu.Lock()
		r.read = append(r.read, a)
		r.mu.Unlock()
		r.done.Broadcast()
	}
}

// next waits for the read needed soonest that is not yet late; nil once
// the walk is over.
func (r *reader) next() *aheadRead {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		for (r.queue.Len() == 0 || r.held.Load() > r.budget) && !r.stopped {
			r.wake.Wait()
		}
		if r.stopped {
			return nil
		}
		a := r.queue.pop()
		// Late: the walk has passed the payment, and read the node itself
		// or did not need it.
		if !a.ev.before(r.now) && a.state.CompareAndSwap(aheadQueued, aheadReading) {
			return a
		}
	}
}

// stopReader ends the reader goroutine, once its current read is done.
func (w *walker) stopReader() {
	r := w.reader
	if r == nil {
		return
	}
	r.mu.Lock()
	r.stopped = true
	r.mu.Unlock()
	r.wake.Broadcast()
	r.wg.Wait()
	r.endOwn()
	w.reader = nil
}

// readAhead asks for the nodes that node n's payments from flow i on
// reach, where its taint may go next.
func (w *walker) readAhead(n *node, i int) {
	hop := n.hop + 1
	if n.seed {
		hop = 1
	}
	if n.to == nil {
		n.to = make([]*slot, len(n.flows))
	}
	w.ask(n.flows[i:], n.to[i:], n.id.Chain.Code(), hop)
}

// lookPast asks for the nodes paid by the nodes the reader has read since
// the walk last looked, after the payment that needs them: a node that
// passes its taint on as soon as it arrives is read before taint reaches
// it, not just before it pays. It passes over the reads the walk has
// taken: the walk asked for their payments as it began following them.
func (w *walker) lookPast() {
	r := w.reader
	r.mu.Lock()
	read := r.read
	r.read = nil
	r.mu.Unlock()
	for _, a := range read {
		if a.err != nil || a.hub || a.taken {
			continue
		}
		a.to = make([]*slot, len(a.flows))
		w.ask(a.flows[a.past:], a.to[a.past:], a.ev.chain, a.hop+1)
	}
}

// ask asks the reader for the nodes the payments among flows reach with
// taint at hop, soonest first: not past the hop bound, not labelled
// services (which end a branch), not nodes the walk has or has asked for.
// to holds the slots of the nodes paid, beside flows: ask fills in those
// it looks up, and passes over the flows whose node it already has.
func (w *walker) ask(flows []chains.Flow, to []*slot, chain uint8, hop int) {
	if hop > w.opts.Hops || !w.startReader() {
		return
	}
	r := w.reader
	asks := w.asks[:0]
	for i := range flows {
		f := &flows[i]
		id := f.Other
		if to[i] != nil || f.In || id.Kind == 0 || id.Kind == chains.HoldingNode || id.Address == chains.FeeSink || id.Address == chains.BeaconSink {
			continue
		}
		s := w.slot(id)
		to[i] = s
		if s.n != nil || s.hub || s.ahead != nil || w.stopsAt(id, f.Address) {
			continue
		}
		s.ahead = &aheadRead{id: id, ev: event{at: f.Pos, time: f.Time, chain: chain}, hop: hop}
		asks = append(asks, s.ahead)
	}
	if len(asks) > 0 {
		// One short hold of the lock the reader takes between reads,
		// not one across the lookups above.
		r.mu.Lock()
		for _, a := range asks {
			r.queue.push(a.ev, a)
		}
		r.now = w.last
		r.mu.Unlock()
		r.wake.Signal()
		clear(asks)
	}
	w.asks = asks
}

// stopsAt reports whether taint paid to address a at node to goes no
// further: a service's label ends the branch, and Within may bound it.
func (w *walker) stopsAt(to chains.Node, a chains.Address) bool {
	if w.opts.Within != nil && !w.opts.Within(to) {
		return true
	}
	if w.lk == nil || a == "" {
		return false
	}
	ls := w.lk.Lookup(to.Chain, a)
	for i := range ls {
		if _, ok := stops[ls[i].Category]; ok {
			return true
		}
	}
	return false
}

// read returns node id's flows (at most the fan-out bound of them when
// bounded, hub then set): read ahead if it was, else read now; and the
// slots of the nodes they pay that the walk looked up (node.to), if any.
func (w *walker) read(s *slot, id chains.Node, bounded bool) ([]chains.Flow, []*slot, bool, error) {
	read := w.g.Flows
	if r := w.reader; r != nil {
		read = r.own
		if a := s.ahead; a != nil {
			s.ahead = nil
			a.taken = true
			if !a.state.CompareAndSwap(aheadQueued, aheadTaken) {
				if a.state.Load() != aheadDone {
					r.mu.Lock() // not between the reader's store of the state and its broadcast
					for a.state.Load() != aheadDone {
						r.done.Wait()
					}
					r.mu.Unlock()
				}
				// The reader waits for held to drop to the budget: wake
				// it as it does.
				if n := int64(len(a.flows)); crossed(r.held.Add(-n), n, r.budget) {
					r.mu.Lock() // not between the reader's test of held and its wait
					r.wake.Signal()
					r.mu.Unlock()
				}
				if a.err == nil && (bounded || !a.hub) {
					w.res.ReadAhead++
					return a.flows, a.to, a.hub, nil
				}
			}
		}
	}
	flows, hub, err := readFlows(w.ctx, read, id, bounded, w.opts.FanOut, &w.scratch)
	return flows, nil, hub, err
}

// crossed reports whether taking n flows, which left held flows, brought
// them from over the budget to it.
func crossed(held, n, budget int64) bool { return held <= budget && held+n > budget }

// flowsFunc is Graph.Flows.
type flowsFunc = func(context.Context, chains.Node, func(chains.Flow) error) error

// readFlows reads node id's flows, at most fanOut of them when bounded
// (hub is then set), in flowOrder. It reads into scratch, which it keeps
// for the next read, and returns a copy of exactly the flows read: a
// trace's reads then allocate what they keep, not every size of slice on
// the way to it.
func readFlows(ctx context.Context, read flowsFunc, id chains.Node, bounded bool, fanOut int, scratch *[]chains.Flow) ([]chains.Flow, bool, error) {
	flows := (*scratch)[:0]
	err := read(ctx, id, func(f chains.Flow) error {
		if bounded && len(flows) == fanOut {
			return errHub
		}
		flows = append(flows, f)
		return nil
	})
	*scratch = flows
	hub := errors.Is(err, errHub)
	if err != nil && !hub {
		return nil, false, err
	}
	// At one position an outflow leaves before an inflow arrives, so that
	// a transfer to oneself carries its taint back in.
	if !slices.IsSortedFunc(flows, flowOrder) {
		slices.SortStableFunc(flows, flowOrder)
	}
	return slices.Clone(flows), hub, nil
}
