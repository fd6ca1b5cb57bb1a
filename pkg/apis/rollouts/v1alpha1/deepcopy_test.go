package v1alpha1_test

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/randfill"

	v1alpha1 "github.com/sluice-dev/sluice/pkg/apis/rollouts/v1alpha1"
)

// TestDeepCopyRoundTrip fills every kind with random data, deep-copies it, checks the
// copy is equal, then scribbles over every value reachable from the copy and checks
// the original did not change: a copy that shared a slice, map or pointer with its
// source would show up here.
func TestDeepCopyRoundTrip(t *testing.T) {
	kinds := []func() runtime.Object{
		func() runtime.Object { return &v1alpha1.Rollout{} },
		func() runtime.Object { return &v1alpha1.RolloutList{} },
		func() runtime.Object { return &v1alpha1.AnalysisTemplate{} },
		func() runtime.Object { return &v1alpha1.ClusterAnalysisTemplate{} },
		func() runtime.Object { return &v1alpha1.AnalysisRun{} },
		func() runtime.Object { return &v1alpha1.AnalysisRunList{} },
	}
	for _, newObj := range kinds {
		for seed := int64(1); seed <= 20; seed++ {
			original, reference := newObj(), newObj()
			fill(seed, original)
			fill(seed, reference)
			copied := original.DeepCopyObject()
			if !cmp.Equal(original, copied, cmp.AllowUnexported()) {
				t.Fatalf("%T seed %d: copy differs: %s", original, seed, cmp.Diff(original, copied))
			}
			scribble(reflect.ValueOf(copied))
			if reflect.DeepEqual(copied, reference) {
				t.Fatalf("%T seed %d: scribbling changed nothing, so the check below proves nothing", original, seed)
			}
			if !reflect.DeepEqual(original, reference) {
				t.Fatalf("%T seed %d: changing the copy changed the original", original, seed)
			}
		}
	}
}

func fill(seed int64, obj any) {
	randfill.NewWithSeed(seed).NilChance(0.2).NumElements(1, 3).Fill(obj)
}

// scribble changes, in place, every string, number, bool and byte reachable from v.
func scribble(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			scribble(v.Elem())
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				scribble(v.Field(i))
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			scribble(v.Index(i))
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			elem := reflect.New(v.Type().Elem()).Elem()
			elem.Set(v.MapIndex(k))
			scribble(elem)
			v.SetMapIndex(k, elem)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(v.String() + "~")
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.CanSet() {
			v.SetInt(v.Int() + 1)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.CanSet() {
			v.SetUint(v.Uint() + 1)
		}
	case reflect.Bool:
		if v.CanSet() {
			v.SetBool(!v.Bool())
		}
	}
}
