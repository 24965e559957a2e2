package trace

import (
	"container/heap"
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/houndtrace/hound/chains"
)

// Concurrent is implemented by a Graph whose Flows may be called from
// several goroutines at once. The walk then reads ahead: when it starts
// following a node, a second goroutine reads the nodes that node pays
// afterwards (where its taint may go next), soonest payment first, while
// the walk goes on with the first goroutine. A read the walk needs before
// the reader has begun it, the walk makes itself.
type Concurrent interface {
	Graph
	// ConcurrentFlows marks the graph as safe for concurrent Flows.
	ConcurrentFlows()
}

// aheadBudget bounds the flows read ahead and not yet used: past it the
// reader waits for the walk to use them (a node paying thousands of
// unlabelled hubs would otherwise hold their flows all at once).
const aheadBudget = 1 << 18

// The states of a read ahead.
const (
	aheadQueued int32 = iota
	aheadReading
	aheadDone
	aheadTaken // the walk needed it before the reader began it
)

// aheadRead is one node's flows read ahead, up to the fan-out bound, for
// the payment at ev, the first that may need them.
type aheadRead struct {
	id    chains.Node
	ev    event
	state atomic.Int32
	done  chan struct{} // closed once read
	flows []chains.Flow
	hub   bool
	err   error
}

// reader reads nodes ahead of the walk on its own goroutine.
type reader struct {
	reads map[chains.Node]*aheadRead // the walk's side: asked for, not yet used
	held  atomic.Int64               // flows read and not yet used

	mu      sync.Mutex
	wake    *sync.Cond
	queue   aheadQueue // soonest needed first
	now     event      // the walk's place: a read needed before it is late
	stopped bool
	wg      sync.WaitGroup
}

// aheadQueue orders reads by the payment that needs them.
type aheadQueue []*aheadRead

func (q aheadQueue) Len() int           { return len(q) }
func (q aheadQueue) Less(i, j int) bool { return q[i].ev.before(q[j].ev) }
func (q aheadQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *aheadQueue) Push(x any)        { *q = append(*q, x.(*aheadRead)) }
func (q *aheadQueue) Pop() any {
	old := *q
	a := old[len(old)-1]
	*q = old[:len(old)-1]
	return a
}

// startReader starts the reader goroutine, if the graph allows.
func (w *walker) startReader() bool {
	if w.reader != nil {
		return true
	}
	if _, ok := w.g.(Concurrent); !ok {
		return false
	}
	r := &reader{reads: map[chains.Node]*aheadRead{}}
	r.wake = sync.NewCond(&r.mu)
	r.wg.Add(1)
	go r.run(w.ctx, w.g, w.opts.FanOut)
	w.reader = r
	return true
}

func (r *reader) run(ctx context.Context, g Graph, fanOut int) {
	defer r.wg.Done()
	for a := r.next(); a != nil; a = r.next() {
		a.flows, a.hub, a.err = readFlows(ctx, g, a.id, true, fanOut)
		r.held.Add(int64(len(a.flows)))
		a.state.Store(aheadDone)
		close(a.done)
	}
}

// next waits for the read needed soonest that is not yet late; nil once
// the walk is over.
func (r *reader) next() *aheadRead {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		for (r.queue.Len() == 0 || r.held.Load() > aheadBudget) && !r.stopped {
			r.wake.Wait()
		}
		if r.stopped {
			return nil
		}
		a := heap.Pop(&r.queue).(*aheadRead)
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
	w.reader = nil
}

// readAhead asks for the nodes that node n's payments from flow i on
// reach, where taint may go next: not past the hop bound, not labelled
// services (which end a branch) and not nodes the walk already has.
func (w *walker) readAhead(n *node, i int) {
	if n.hop >= w.opts.Hops && !n.seed || !w.startReader() {
		return
	}
	r := w.reader
	var asked bool
	for ; i < len(n.flows); i++ {
		f := &n.flows[i]
		to := f.Other
		if f.In || to.Kind == 0 || to.Kind == chains.HoldingNode || to.Address == chains.FeeSink || to.Address == chains.BeaconSink ||
			w.nodes[to] != nil || w.hubs[to] || r.reads[to] != nil || w.stopsAt(to, f.Address) {
			continue
		}
		a := &aheadRead{id: to, ev: event{at: f.Pos, time: f.Time, chain: n.id.Chain.Code()}, done: make(chan struct{})}
		r.reads[to] = a
		if !asked {
			r.mu.Lock()
			asked = true
		}
		heap.Push(&r.queue, a)
	}
	if asked {
		r.now = w.last
		r.mu.Unlock()
		r.wake.Signal()
	}
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
// bounded, hub then set): read ahead if it was, else read now.
func (w *walker) read(id chains.Node, bounded bool) ([]chains.Flow, bool, error) {
	if r := w.reader; r != nil {
		if a := r.reads[id]; a != nil {
			delete(r.reads, id)
			if !a.state.CompareAndSwap(aheadQueued, aheadTaken) {
				<-a.done
				if r.held.Add(-int64(len(a.flows))) <= aheadBudget {
					r.mu.Lock() // not between the reader's test of held and its wait
					r.wake.Signal()
					r.mu.Unlock()
				}
				if a.err == nil && (bounded || !a.hub) {
					w.res.ReadAhead++
					return a.flows, a.hub, nil
				}
			}
		}
	}
	return readFlows(w.ctx, w.g, id, bounded, w.opts.FanOut)
}

// readFlows reads node id's flows, at most fanOut of them when bounded
// (hub is then set).
func readFlows(ctx context.Context, g Graph, id chains.Node, bounded bool, fanOut int) (flows []chains.Flow, hub bool, err error) {
	err = g.Flows(ctx, id, func(f chains.Flow) error {
		if bounded && len(flows) == fanOut {
			return errHub
		}
		flows = append(flows, f)
		return nil
	})
	if errors.Is(err, errHub) {
		return flows, true, nil
	}
	return flows, false, err
}
