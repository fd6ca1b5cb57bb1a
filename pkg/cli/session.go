package cli

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	sluiceclient "github.com/sluice-dev/sluice/pkg/client/clientset/versioned"
	"github.com/sluice-dev/sluice/pkg/view/source"
)

// session is a connection to the cluster and the namespace to work in.
type session struct {
	sluice    sluiceclient.Interface
	kube      kubernetes.Interface
	namespace string
}

// connect builds the clients from the kubeconfig flags.
func (o *options) connect() (*session, error) {
	namespace, _, err := o.configFlags.ToRawKubeConfigLoader().Namespace()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	config, err := o.configFlags.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	config.UserAgent = "kubectl-sluice"
	sluice, err := sluiceclient.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	kube, err := kubernetes.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	return &session{sluice: sluice, kube: kube, namespace: namespace}, nil
}

// clients are what pkg/view/source reads the objects of a view with.
func (s *session) clients() source.Clients {
	return source.Clients{Sluice: s.sluice, Kube: s.kube, Namespace: s.namespace}
}

// completeRolloutNames completes rollout names in the current namespace.
func completeRolloutNames(o *options) cobra.CompletionFunc {
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		s, err := o.newSession()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		list, err := s.sluice.SluiceV1alpha1().Rollouts(s.namespace).List(cmd.Context(), metav1.ListOptions{})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		var names []cobra.Completion
		for _, ro := range list.Items {
			if !slices.Contains(args, ro.Name) {
				names = append(names, ro.Name)
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}
