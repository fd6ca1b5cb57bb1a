package istio

import (
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
)

// The baseline's destination. While a baseline runs (canary.baseline) the
// weighted routes carry a third destination, to the baselineService, with the
// baseline's share. It goes by Service host in both split modes: the baseline
// has no DestinationRule subset, its Service selects its pods. sluice adds the
// destination while the baseline's weight is above 0 and removes it at 0; it
// knows the destination as its own by the host alone, since the CRD keeps
// baselineService apart from the stable and canary Services.

// baselineService is the Service the baseline's share goes to ("" when the
// Rollout names none).
func (r *Router) baselineService() string {
	return r.ro.Spec.Strategy.Canary.BaselineService
}

// isBaseline tells whether a destination is the baseline's: its host is the
// baselineService and, with a subset split, it names no subset (a subset on
// that host is a stable or canary destination routed through the wrong
// Service, which setWeights reports).
func (r *Router) isBaseline(dest map[string]any) bool {
	service := r.baselineService()
	if service == "" {
		return false
	}
	host, _ := dest["host"].(string)
	if !hostIs(host, service) {
		return false
	}
	subset, _ := dest["subset"].(string)
	return r.spec.DestinationRule == nil || subset == ""
}

// hostIs tells whether a destination host names a Service of the Rollout's
// namespace, short ("web-canary") or qualified ("web-canary.shop",
// "web-canary.shop.svc.cluster.local"). Service names hold no dots, so the
// first label is the name.
func hostIs(host, service string) bool {
	return host == service || strings.HasPrefix(host, service+".")
}

// baselineDestination builds the baseline's weighted destination beside the
// canary's: the host written in the same form as the canary's (so it resolves
// as that one does), and the canary's port, since the baseline runs the same
// pods as stable behind a Service that mirrors the others.
func (r *Router) baselineDestination(canaryDest map[string]any, weight int64, vsNamespace string) map[string]any {
	host, _ := canaryDest["host"].(string)
	dest := map[string]any{"host": r.baselineHost(host, vsNamespace)}
	if port, ok := canaryDest["port"]; ok {
		dest["port"] = runtime.DeepCopyJSONValue(port)
	}
	return map[string]any{"destination": dest, "weight": weight}
}

// baselineHost writes the baselineService in the form of the canary's host.
// The baselineService lives in the Rollout's namespace, so the canary's
// suffix carries over when it names that namespace (".shop",
// ".shop.svc.cluster.local"), and a short host stays short when the
// VirtualService is in that namespace too (Istio reads a short host in the
// VirtualService's namespace). Otherwise — a VirtualService elsewhere, or,
// with a subset split, a canary host that is another namespace's Service or a
// ServiceEntry's name — the baseline gets its fully qualified name, which
// Istio resolves from anywhere.
func (r *Router) baselineHost(canaryHost, vsNamespace string) string {
	service, namespace := r.baselineService(), r.ro.Namespace
	qualified := service + "." + namespace + ".svc.cluster.local"
	dot := strings.IndexByte(canaryHost, '.')
	if dot < 0 {
		if vsNamespace == namespace {
			return service
		}
		return qualified
	}
	switch suffix := canaryHost[dot:]; {
	case suffix == "."+namespace, suffix == "."+namespace+".svc",
		strings.HasPrefix(suffix, "."+namespace+".svc."):
		return service + suffix
	}
	return qualified
}
