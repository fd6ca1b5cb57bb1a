package lint

// The constraints of the CRD schemas (manifests/crds), outside the embedded pod
// template and Job spec, which are Kubernetes' own types. TestLintSchemaMatchesCRDs
// keeps this table and the CRDs equal.

// schemaRules are the rules of each kind.
var schemaRules = map[string][]schemaRule{
	"Rollout":                 rolloutSchema(),
	"AnalysisTemplate":        templateSchema(),
	"ClusterAnalysisTemplate": templateSchema(),
	"AnalysisRun": append(templateSchema(),
		minimum(".spec.ttlStrategy.secondsAfterCompletion", 0),
		minimum(".spec.ttlStrategy.secondsAfterFailure", 0),
		minimum(".spec.ttlStrategy.secondsAfterSuccess", 0),
	),
}

const (
	percentPattern  = `^[0-9]+%?$`
	durationPattern = `^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$|^\{\{.*\}\}$`
	stringMatchRule = `[has(self.exact), has(self.prefix), has(self.regex)].filter(x, x).size() == 1`
)

func rolloutSchema() []schemaRule {
	rules := []schemaRule{
		required("", "spec"),
		required(".spec", "selector", "strategy"),
		cel(".spec", "has(self.template) != has(self.workloadRef)", templateXorWorkloadRef),
		// validation.Selector checks this too (and matchExpressions), with the
		// labels that differ; one check is enough.
		cel(".spec", "!has(self.template) || !has(self.selector.matchLabels) || self.selector.matchLabels.all(k, has(self.template.metadata) && has(self.template.metadata.labels) && k in self.template.metadata.labels && self.template.metadata.labels[k] == self.selector.matchLabels[k])", nil),
		minimum(".spec.analysis.successfulRunHistoryLimit", 0),
		minimum(".spec.analysis.unsuccessfulRunHistoryLimit", 0),
		minimum(".spec.minReadySeconds", 0),
		minimum(".spec.progressDeadlineSeconds", 1),
		minimum(".spec.replicas", 0),
		minimum(".spec.revisionHistoryLimit", 0),
		minimum(".spec.rollbackWindow.revisions", 0),
		// A transition rule: it compares with the object in the cluster.
		cel(".spec.selector", "self == oldSelf", nil),
		required(".spec.selector.matchExpressions[]", "key", "operator"),
		maxProperties(".spec.selector.matchLabels", 64),
		maxLength(".spec.selector.matchLabels{}", 63),
		// validation.Rollout checks this, as the controller does.
		cel(".spec.strategy", "has(self.canary) != has(self.blueGreen)", nil),
		required(".spec.workloadRef", "kind", "name"),
		enum(".spec.workloadRef.apiVersion", "apps/v1"),
		enum(".spec.workloadRef.kind", "Deployment"),
		minLength(".spec.workloadRef.name", 1),
		enum(".spec.workloadRef.scaleDown", "never", "onsuccess", "progressively"),
	}
	rules = append(rules, blueGreenSchema(".spec.strategy.blueGreen")...)
	return append(rules, canarySchema(".spec.strategy.canary")...)
}

func blueGreenSchema(p string) []schemaRule {
	rules := []schemaRule{
		required(p, "activeService"),
		minimum(p+".abortScaleDownDelaySeconds", 0),
		minLength(p+".activeService", 1),
		minimum(p+".autoPromotionSeconds", 0),
		minimum(p+".previewReplicaCount", 0),
		minimum(p+".scaleDownDelaySeconds", 0),
	}
	rules = append(rules, antiAffinitySchema(p+".antiAffinity")...)
	rules = append(rules, podCountSchema(p+".maxUnavailable")...)
	rules = append(rules, rolloutAnalysisSchema(p+".prePromotionAnalysis")...)
	return append(rules, rolloutAnalysisSchema(p+".postPromotionAnalysis")...)
}

func canarySchema(p string) []schemaRule {
	rules := []schemaRule{
		cel(p, "!has(self.stableService) || !has(self.canaryService) || self.stableService != self.canaryService", differentServices),
		cel(p, "!has(self.trafficRouting) || (has(self.stableService) && has(self.canaryService))", servicesForRouting),
		cel(p, "!(has(self.maxSurge) && has(self.maxUnavailable) && (self.maxSurge == 0 || self.maxSurge == '0%') && (self.maxUnavailable == 0 || self.maxUnavailable == '0%'))", surgeOrUnavailable),
		minimum(p+".abortScaleDownDelaySeconds", 0),
		minimum(p+".analysis.startingStep", 0),
		minimum(p+".minPodsPerReplicaSet", 1),
		minimum(p+".scaleDownDelaySeconds", 0),
		maxItems(p+".steps", 100),
	}
	rules = append(rules, antiAffinitySchema(p+".antiAffinity")...)
	rules = append(rules, baselineSchema(p)...)
	rules = append(rules, podCountSchema(p+".maxSurge")...)
	rules = append(rules, podCountSchema(p+".maxUnavailable")...)
	rules = append(rules, rolloutAnalysisSchema(p+".analysis")...)
	rules = append(rules, stepSchema(p+".steps[]")...)
	return append(rules, trafficRoutingSchema(p+".trafficRouting")...)
}

func stepSchema(p string) []schemaRule {
	rules := []schemaRule{
		cel(p, "[has(self.setWeight), has(self.pause), has(self.analysis), has(self.setCanaryScale), has(self.setHeaderRoute), has(self.setMirrorRoute)].filter(x, x).size() == 1",
			exactlyOne("setWeight", "pause", "analysis", "setCanaryScale", "setHeaderRoute", "setMirrorRoute")),
		minimum(p+".setWeight", 0),
		maximum(p+".setWeight", 100),
		maxLength(p+".pause.duration", 16),
		pattern(p+".pause.duration", `^[0-9]+(s|m|h)?$`, `a duration: seconds ("30" or 30) or a number with s, m or h ("5m")`),
		nonNegative(p + ".pause.duration"),
		cel(p+".setCanaryScale", "[has(self.weight), has(self.replicas), has(self.matchTrafficWeight) && self.matchTrafficWeight].filter(x, x).size() == 1", canaryScaleOneOf),
		minimum(p+".setCanaryScale.replicas", 0),
		minimum(p+".setCanaryScale.weight", 0),
		maximum(p+".setCanaryScale.weight", 100),
		required(p+".setHeaderRoute", "name"),
		minLength(p+".setHeaderRoute.name", 1),
		maxItems(p+".setHeaderRoute.match", 16),
		required(p+".setHeaderRoute.match[]", "headerName", "headerValue"),
		minLength(p+".setHeaderRoute.match[].headerName", 1),
		cel(p+".setHeaderRoute.match[].headerValue", stringMatchRule, exactlyOne("exact", "prefix", "regex")),
		required(p+".setMirrorRoute", "name"),
		minLength(p+".setMirrorRoute.name", 1),
		maxItems(p+".setMirrorRoute.match", 16),
		maxProperties(p+".setMirrorRoute.match[].headers", 16),
		cel(p+".setMirrorRoute.match[].headers{}", stringMatchRule, exactlyOne("exact", "prefix", "regex")),
		cel(p+".setMirrorRoute.match[].method", stringMatchRule, exactlyOne("exact", "prefix", "regex")),
		cel(p+".setMirrorRoute.match[].path", stringMatchRule, exactlyOne("exact", "prefix", "regex")),
		minimum(p+".setMirrorRoute.percentage", 0),
		maximum(p+".setMirrorRoute.percentage", 100),
	}
	return append(rules, rolloutAnalysisSchema(p+".analysis")...)
}

func trafficRoutingSchema(p string) []schemaRule {
	return []schemaRule{
		cel(p, "has(self.istio) != has(self.gatewayAPI)", exactlyOne("istio", "gatewayAPI")),
		cel(p+".gatewayAPI", "has(self.httpRoute) != has(self.httpRoutes)", exactlyOne("httpRoute", "httpRoutes")),
		maxItems(p+".gatewayAPI.httpRoutes", 16),
		required(p+".gatewayAPI.httpRoutes[]", "name"),
		minLength(p+".gatewayAPI.httpRoutes[].name", 1),
		cel(p+".istio", "has(self.virtualService) != has(self.virtualServices)", exactlyOne("virtualService", "virtualServices")),
		required(p+".istio.destinationRule", "name", "canarySubsetName", "stableSubsetName"),
		minLength(p+".istio.destinationRule.canarySubsetName", 1),
		minLength(p+".istio.destinationRule.name", 1),
		minLength(p+".istio.destinationRule.stableSubsetName", 1),
		required(p+".istio.virtualService", "name"),
		minLength(p+".istio.virtualService.name", 1),
		maxItems(p+".istio.virtualServices", 16),
		required(p+".istio.virtualServices[]", "name"),
		minLength(p+".istio.virtualServices[].name", 1),
		maxItems(p+".managedRoutes", 32),
		listMapKey(p+".managedRoutes", "name"),
		required(p+".managedRoutes[]", "name"),
		minLength(p+".managedRoutes[].name", 1),
	}
}

// antiAffinitySchema is the antiAffinity of either strategy.
func antiAffinitySchema(p string) []schemaRule {
	preferred := p + ".preferredDuringSchedulingIgnoredDuringExecution"
	return []schemaRule{
		cel(p, "has(self.preferredDuringSchedulingIgnoredDuringExecution) != has(self.requiredDuringSchedulingIgnoredDuringExecution)",
			exactlyOne("preferredDuringSchedulingIgnoredDuringExecution", "requiredDuringSchedulingIgnoredDuringExecution")),
		required(preferred, "weight"),
		minimum(preferred+".weight", 1),
		maximum(preferred+".weight", 100),
	}
}

// podCountSchema is a maxSurge or maxUnavailable: a number or a percentage.
func podCountSchema(p string) []schemaRule {
	return []schemaRule{
		maxLength(p, 8),
		pattern(p, percentPattern, `a number of pods or a percentage such as "25%"`),
		nonNegative(p),
	}
}

// rolloutAnalysisSchema is an analysis of a Rollout: a step, background, or
// blue-green pre- or post-promotion analysis.
func rolloutAnalysisSchema(p string) []schemaRule {
	rules := []schemaRule{
		required(p, "templates"),
		minItems(p+".templates", 1),
		maxItems(p+".templates", 20),
		required(p+".templates[]", "templateName"),
		minLength(p+".templates[].templateName", 1),
		maxItems(p+".args", 50),
		required(p+".args[]", "name"),
		cel(p+".args[]", "!(has(self.value) && has(self.valueFrom))", valueOrValueFrom),
		minLength(p+".args[].name", 1),
		cel(p+".args[].valueFrom", "has(self.podTemplateHashValue) != has(self.fieldRef)", exactlyOne("podTemplateHashValue", "fieldRef")),
		required(p+".args[].valueFrom.fieldRef", "fieldPath"),
		minLength(p+".args[].valueFrom.fieldRef.fieldPath", 1),
		enum(p+".args[].valueFrom.podTemplateHashValue", "Stable", "Latest", "Baseline"),
	}
	return append(rules, dryRunAndRetentionSchema(p)...)
}

func dryRunAndRetentionSchema(p string) []schemaRule {
	return []schemaRule{
		required(p+".dryRun[]", "metricName"),
		minLength(p+".dryRun[].metricName", 1),
		required(p+".measurementRetention[]", "metricName", "limit"),
		minimum(p+".measurementRetention[].limit", 1),
		minLength(p+".measurementRetention[].metricName", 1),
	}
}

// templateSchema is the spec of AnalysisTemplates, ClusterAnalysisTemplates and
// AnalysisRuns.
func templateSchema() []schemaRule {
	rules := []schemaRule{
		required("", "spec"),
		required(".spec", "metrics"),
		maxItems(".spec.args", 50),
		listMapKey(".spec.args", "name"),
		required(".spec.args[]", "name"),
		cel(".spec.args[]", "!(has(self.value) && has(self.valueFrom))", valueOrValueFrom),
		minLength(".spec.args[].name", 1),
		cel(".spec.args[].valueFrom", "has(self.secretKeyRef) != has(self.fieldRef)", exactlyOne("secretKeyRef", "fieldRef")),
		required(".spec.args[].valueFrom.fieldRef", "fieldPath"),
		minLength(".spec.args[].valueFrom.fieldRef.fieldPath", 1),
		required(".spec.args[].valueFrom.secretKeyRef", "name", "key"),
		minLength(".spec.args[].valueFrom.secretKeyRef.key", 1),
		minLength(".spec.args[].valueFrom.secretKeyRef.name", 1),
	}
	rules = append(rules, dryRunAndRetentionSchema(".spec")...)
	return append(rules, metricSchema(".spec.metrics")...)
}

func metricSchema(p string) []schemaRule {
	m := p + "[]"
	rules := []schemaRule{
		minItems(p, 1),
		maxItems(p, 50),
		listMapKey(p, "name"),
		required(m, "name", "provider"),
		cel(m, "!has(self.count) || has(self.interval) || type(self.count) != int || self.count <= 1", countNeedsInterval),
		minLength(m+".name", 1),
		pattern(m+".interval", durationPattern, `a duration such as "30s" or "1m30s", or an {{args.NAME}} reference`),
		pattern(m+".initialDelay", durationPattern, `a duration such as "30s" or "1m30s", or an {{args.NAME}} reference`),
		cel(m+".provider", "[has(self.prometheus), has(self.web), has(self.job), has(self.judge)].filter(x, x).size() == 1", exactlyOne("prometheus", "web", "job", "judge")),
		required(m+".provider.job", "spec"),
		required(m+".provider.prometheus", "query"),
		minLength(m+".provider.prometheus.query", 1),
		minimum(m+".provider.prometheus.timeout", 1),
		required(m+".provider.prometheus.headers[]", "key", "value"),
		minLength(m+".provider.prometheus.headers[].key", 1),
		required(m+".provider.web", "url"),
		minLength(m+".provider.web.url", 1),
		enum(m+".provider.web.method", "GET", "POST", "PUT"),
		minimum(m+".provider.web.timeoutSeconds", 1),
		required(m+".provider.web.headers[]", "key", "value"),
		minLength(m+".provider.web.headers[].key", 1),
	}
	return append(rules, judgeSchema(m+".provider.judge")...)
}
