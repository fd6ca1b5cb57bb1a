package v1alpha1

// RolloutTrafficRouting says which router carries a canary's traffic weights.
// Exactly one of istio or gatewayAPI is set.
//
// +kubebuilder:validation:XValidation:rule="has(self.istio) != has(self.gatewayAPI)",message="spec.strategy.canary.trafficRouting: set exactly one of istio or gatewayAPI"
type RolloutTrafficRouting struct {
	// Istio routes through VirtualServices (and optionally DestinationRule subsets).
	// +optional
	Istio *IstioTrafficRouting `json:"istio,omitempty"`
	// GatewayAPI routes through Gateway API HTTPRoutes (a sluice extension; Argo
	// Rollouts needs a plugin for this).
	// +optional
	GatewayAPI *GatewayAPITrafficRouting `json:"gatewayAPI,omitempty"`
	// ManagedRoutes lists, in priority order, the header and mirror routes that steps
	// may add. They are removed at the end of the rollout and on abort.
	// +kubebuilder:validation:MaxItems=32
	// +listType=map
	// +listMapKey=name
	// +optional
	ManagedRoutes []MangedRoutes `json:"managedRoutes,omitempty"`
}

// MangedRoutes names a route the controller may add. (The spelling follows Argo
// Rollouts' Go type name so converted manifests keep their meaning.)
type MangedRoutes struct {
	// Name of the route.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
}

// IstioTrafficRouting configures Istio. Exactly one of virtualService or
// virtualServices is set.
//
// +kubebuilder:validation:XValidation:rule="has(self.virtualService) != has(self.virtualServices)",message="spec.strategy.canary.trafficRouting.istio: set exactly one of virtualService or virtualServices"
type IstioTrafficRouting struct {
	// VirtualService is the one VirtualService whose routes carry the weights.
	// +optional
	VirtualService *IstioVirtualService `json:"virtualService,omitempty"`
	// VirtualServices are several VirtualServices, all given the same weights.
	// +kubebuilder:validation:MaxItems=16
	// +optional
	VirtualServices []IstioVirtualService `json:"virtualServices,omitempty"`
	// DestinationRule switches to a subset split: the controller keeps the subsets'
	// pod-template-hash labels current. Without it the split is by Service host.
	// +optional
	DestinationRule *IstioDestinationRule `json:"destinationRule,omitempty"`
}

// IstioVirtualService names a VirtualService and the routes in it that sluice weights.
type IstioVirtualService struct {
	// Name of the VirtualService, optionally namespace-qualified as "name.namespace".
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// Routes are the names of the HTTP routes to weight. May be empty when the
	// VirtualService has exactly one HTTP route.
	// +optional
	Routes []string `json:"routes,omitempty"`
	// TLSRoutes are TLS routes to weight, found by port and SNI hosts.
	// +optional
	TLSRoutes []TLSRoute `json:"tlsRoutes,omitempty"`
	// TCPRoutes are TCP routes to weight, found by port.
	// +optional
	TCPRoutes []TCPRoute `json:"tcpRoutes,omitempty"`
}

// TLSRoute finds an Istio TLS route by its match.
type TLSRoute struct {
	// Port the route matches.
	// +optional
	Port int64 `json:"port,omitempty"`
	// SNIHosts the route matches.
	// +optional
	SNIHosts []string `json:"sniHosts,omitempty"`
}

// TCPRoute finds an Istio TCP route by its match.
type TCPRoute struct {
	// Port the route matches.
	// +optional
	Port int64 `json:"port,omitempty"`
}

// IstioDestinationRule names the DestinationRule and subsets of a subset split.
type IstioDestinationRule struct {
	// Name of the DestinationRule.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
	// CanarySubsetName is the subset that selects the canary.
	// +kubebuilder:validation:MinLength=1
	CanarySubsetName string `json:"canarySubsetName"`
	// StableSubsetName is the subset that selects the stable side.
	// +kubebuilder:validation:MinLength=1
	StableSubsetName string `json:"stableSubsetName"`
}

// GatewayAPITrafficRouting configures Gateway API. Exactly one of httpRoute or
// httpRoutes is set.
//
// +kubebuilder:validation:XValidation:rule="has(self.httpRoute) != has(self.httpRoutes)",message="spec.strategy.canary.trafficRouting.gatewayAPI: set exactly one of httpRoute or httpRoutes"
type GatewayAPITrafficRouting struct {
	// HTTPRoute is the name of the one HTTPRoute whose backendRefs carry the weights.
	// +optional
	HTTPRoute string `json:"httpRoute,omitempty"`
	// HTTPRoutes are several HTTPRoutes, all given the same weights.
	// +kubebuilder:validation:MaxItems=16
	// +optional
	HTTPRoutes []GatewayAPIRoute `json:"httpRoutes,omitempty"`
	// Namespace of the HTTPRoutes (default: the Rollout's namespace).
	// +optional
	Namespace string `json:"namespace,omitempty"`
}

// GatewayAPIRoute names one HTTPRoute.
type GatewayAPIRoute struct {
	// Name of the HTTPRoute.
	// +kubebuilder:validation:MinLength=1
	Name string `json:"name"`
}
