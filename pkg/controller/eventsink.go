package controller

import (
	"context"
	"errors"
	"hash/fnv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"
)

// queuedSink is an event sink that never keeps the broadcaster waiting: it
// queues each write, answers at once as though the write had succeeded, and
// its writers send the queue to the real sink.
//
// client-go's broadcaster hands events to its sink one at a time from a queue
// of 1000 and silently drops what arrives while that queue is full. Writing
// one Event takes an API round trip (tens to hundreds of milliseconds on a
// busy API server), so a wave of releases that emits events faster than that
// loses most of them (at N=1000, 96% of RolloutCompleted; docs/benchmarks.md).
// Behind this sink the broadcaster's queue is always empty; the events wait
// here instead, where nothing is dropped short of maxQueuedEvents.
//
// The correlator still decides what is written: a repeat of an Event becomes a
// patch of its count, which goes to the same writer as the Event's create (the
// writer is chosen by the Event's name), so it is sent after it.
type queuedSink struct {
	sink   record.EventSink
	shards []*sinkShard
}

// maxQueuedEvents bounds the memory a stalled API server can make the queue
// take (an Event is about a kilobyte). Decisive events come from state changes
// that are persisted — a few per Rollout per release — so this is far above
// what any wave queues.
const maxQueuedEvents = 50000

// Retries of a write that failed for want of an answer (an error that is not
// an API status, such as a dropped connection); an API server that answered
// with an error is not asked again, as in client-go's recorder.
const (
	sinkTries      = 12
	sinkRetryDelay = 2 * time.Second
)

type sinkShard struct {
	mu      sync.Mutex
	ops     []sinkOp
	closed  bool
	wake    chan struct{}
	limit   int
	dropped int
}

// sinkOp is one queued write: a create, or a patch when patch is set.
type sinkOp struct {
	event *corev1.Event
	patch []byte
}

func newQueuedSink(sink record.EventSink, writers int) *queuedSink {
	q := &queuedSink{sink: sink}
	for range max(writers, 1) {
		q.shards = append(q.shards, &sinkShard{wake: make(chan struct{}, 1), limit: maxQueuedEvents / max(writers, 1)})
	}
	return q
}

// start runs one writer per shard until ctx is cancelled or, after close, its
// shard is empty; wg tracks them.
func (q *queuedSink) start(ctx context.Context, wg *sync.WaitGroup) {
	for _, s := range q.shards {
		wg.Go(func() { q.write(ctx, s) })
	}
}

// close lets the writers finish what is queued and then stop.
func (q *queuedSink) close() {
	for _, s := range q.shards {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.poke()
	}
}

func (q *queuedSink) Create(event *corev1.Event) (*corev1.Event, error) {
	return q.enqueue(sinkOp{event: event.DeepCopy()})
}

func (q *queuedSink) Patch(event *corev1.Event, data []byte) (*corev1.Event, error) {
	return q.enqueue(sinkOp{event: event.DeepCopy(), patch: data})
}

// Update is not used by client-go's recorder; it is passed through.
func (q *queuedSink) Update(event *corev1.Event) (*corev1.Event, error) {
	return q.sink.Update(event)
}

// enqueue queues op on its Event's shard and answers with the event as sent,
// which is all the correlator keeps of the answer (name, count, timestamps).
func (q *queuedSink) enqueue(op sinkOp) (*corev1.Event, error) {
	h := fnv.New32a()
	h.Write([]byte(op.event.Namespace + "/" + op.event.Name))
	s := q.shards[h.Sum32()%uint32(len(q.shards))]
	s.mu.Lock()
	if len(s.ops) >= s.limit {
		s.dropped++
		dropped := s.dropped
		s.mu.Unlock()
		klog.Background().Error(nil, "Event queue full, dropped event", "reason", op.event.Reason,
			"object", klog.KRef(op.event.InvolvedObject.Namespace, op.event.InvolvedObject.Name), "dropped", dropped)
		return op.event, nil
	}
	s.ops = append(s.ops, op)
	s.mu.Unlock()
	s.poke()
	return op.event, nil
}

func (s *sinkShard) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// write sends the shard's queue to the sink, in order.
func (q *queuedSink) write(ctx context.Context, s *sinkShard) {
	for {
		s.mu.Lock()
		ops, closed := s.ops, s.closed
		s.ops = nil
		s.mu.Unlock()
		for _, op := range ops {
			if !q.send(ctx, op) {
				return
			}
		}
		if len(ops) > 0 {
			continue
		}
		if closed {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		}
	}
}

// send writes one op, retrying while the API server cannot be reached; it
// returns false once ctx is cancelled. A patch of an Event the server no
// longer has (expired, or its create failed) becomes a create, as in
// client-go's recorder.
func (q *queuedSink) send(ctx context.Context, op sinkOp) bool {
	logger := klog.FromContext(ctx)
	for try := 1; ; try++ {
		var err error
		if op.patch != nil {
			_, err = q.sink.Patch(op.event, op.patch)
		}
		if op.patch == nil || apierrors.IsNotFound(err) {
			ev := op.event.DeepCopy()
			ev.ResourceVersion = ""
			_, err = q.sink.Create(ev)
		}
		var status apierrors.APIStatus
		switch {
		case err == nil, apierrors.IsAlreadyExists(err):
			return true
		case errors.As(err, &status):
			logger.Error(err, "Server rejected event (will not retry)", "reason", op.event.Reason,
				"object", klog.KRef(op.event.InvolvedObject.Namespace, op.event.InvolvedObject.Name))
			return true
		case try >= sinkTries:
			logger.Error(err, "Unable to write event (retry limit exceeded)", "reason", op.event.Reason,
				"object", klog.KRef(op.event.InvolvedObject.Namespace, op.event.InvolvedObject.Name))
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(sinkRetryDelay):
		}
	}
}
