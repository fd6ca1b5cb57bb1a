package controller

import (
	"fmt"
	"runtime"
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"

	"github.com/sluice-dev/sluice/test/bench/decode"
)

// cachedObjects is how many distinct objects the heap measurement keeps.
const cachedObjects = 1000

// stripManagedFieldsOnly is the informers' transform before trimCached, for
// comparison.
func stripManagedFieldsOnly(obj any) (any, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}

// BenchmarkCachedObject measures what one cached object costs the controller:
// per op, decoding its watch event (in the format the controller receives it)
// and the transform; heap-B/object is the heap the objects keep once decoded
// and transformed (1000 distinct objects, after a GC) — their own size, not
// the informer's index around them. "untrimmed" keeps everything, "managed"
// strips managedFields (the transform before), "trimmed" is trimCached.
func BenchmarkCachedObject(b *testing.B) {
	transforms := []struct {
		name string
		fn   func(any) (any, error)
	}{
		{"untrimmed", func(o any) (any, error) { return o, nil }},
		{"managed", stripManagedFieldsOnly},
		{"trimmed", trimCached},
	}
	type kind struct {
		name   string
		client decode.Client
		format decode.Format
		object func(i int, s decode.Shape) k8sruntime.Object
		shapes []decode.Shape
	}
	kinds := []kind{
		{"rollout", decode.SluiceClient, decode.JSON, func(i int, s decode.Shape) k8sruntime.Object { return decode.Rollout(i, s) }, decode.Shapes},
		{"replicaset", decode.KubeClient, decode.Protobuf, func(i int, s decode.Shape) k8sruntime.Object { return decode.ReplicaSet(i, s) },
			[]decode.Shape{{Template: decode.SmallTemplate}, {Template: decode.LargeTemplate}}},
		{"service", decode.KubeClient, decode.Protobuf, func(i int, s decode.Shape) k8sruntime.Object { return decode.Service(i, s) },
			[]decode.Shape{{}, {Applied: true}}},
	}
	for _, k := range kinds {
		for _, shape := range k.shapes {
			events := make([][]byte, cachedObjects)
			for i := range events {
				wire, err := decode.WatchEvent(k.format, k.object(i, shape))
				if err != nil {
					b.Fatal(err)
				}
				events[i] = wire
			}
			name := fmt.Sprintf("%s-%s", k.name, shape)
			if k.name == "service" {
				name = "service-" + map[bool]string{false: "written", true: "applied"}[shape.Applied]
			}
			for _, t := range transforms {
				b.Run(name+"/"+t.name, func(b *testing.B) {
					stream, err := decode.NewStreamOf(k.client, k.format, events)
					if err != nil {
						b.Fatal(err)
					}
					next := func() any {
						obj, err := stream.Next()
						if err != nil {
							b.Fatal(err)
						}
						kept, err := t.fn(obj)
						if err != nil {
							b.Fatal(err)
						}
						return kept
					}
					retained := retainedPerObject(next)
					b.ReportAllocs()
					for b.Loop() {
						next()
					}
					b.ReportMetric(retained, "heap-B/object") // after the loop, which resets metrics
				})
			}
		}
	}
}

// retainedPerObject is the heap that cachedObjects results of next keep, per
// object, measured between two full GCs.
func retainedPerObject(next func() any) float64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	kept := make([]any, cachedObjects)
	for i := range kept {
		kept[i] = next()
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(kept)
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / cachedObjects
}
