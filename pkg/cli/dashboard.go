package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/sluice-dev/sluice/pkg/dashboard"
)

// dashboardOptions are the flags of `kubectl sluice dashboard`.
type dashboardOptions struct {
	address       string
	port          int
	readOnly      bool
	allNamespaces bool
	noOpen        bool
}

func newDashboardCommand(o *options) *cobra.Command {
	d := dashboardOptions{}
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Serve a live web dashboard of the Rollouts, acting as you",
		Long: "Dashboard serves a web page of the Rollouts in the namespace (-A: all namespaces): a\n" +
			"live list, a page per Rollout with its steps, revisions, pods, AnalysisRuns and events,\n" +
			"and buttons for promote, abort, retry, pause, resume, restart, set image and undo.\n\n" +
			"It acts with your kubeconfig: the API server applies your RBAC to every read and\n" +
			"write, and every action leaves an Event on the Rollout naming you. It listens on\n" +
			"127.0.0.1 (--address to change it) and prints a URL with a random token, exchanged\n" +
			"for a cookie on first visit. Requests for another Host, without the token, or\n" +
			"changes sent from another site are refused. --read-only refuses every action.",
		Example: "  kubectl sluice dashboard\n" +
			"  kubectl sluice dashboard -A --read-only\n" +
			"  kubectl sluice dashboard --port 0 --no-open   # any free port; print the URL only",
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if d.port < 0 || d.port > 65535 {
				return usageErrorf("--port must be 0 (any free port) to 65535, got %d%s", d.port, helpHint(cmd))
			}
			if d.allNamespaces && cmd.Flags().Changed("namespace") {
				return usageErrorf("give -A (all namespaces) or -n NAMESPACE, not both%s", helpHint(cmd))
			}
			return o.runDashboard(cmd.Context(), d, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	f.StringVar(&d.address, "address", "127.0.0.1", "address to listen on; anything but a loopback address lets other machines reach the dashboard")
	f.IntVar(&d.port, "port", 3100, "port to listen on (0: any free port)")
	f.BoolVar(&d.readOnly, "read-only", false, "refuse every action: only show")
	f.BoolVarP(&d.allNamespaces, "all-namespaces", "A", false, "show the Rollouts of every namespace")
	f.BoolVar(&d.noOpen, "no-open", false, "do not open a browser; only print the URL")
	return cmd
}

// runDashboard listens, starts the dashboard, prints its URL and serves until
// interrupted.
func (o *options) runDashboard(ctx context.Context, d dashboardOptions, out, errOut io.Writer) error {
	s, err := o.newSession()
	if err != nil {
		return err
	}
	namespace := s.namespace
	if d.allNamespaces {
		namespace = ""
	}
	if !dashboard.IsLoopback(d.address) {
		fmt.Fprintf(errOut, "warning: listening on %s: other machines can reach the dashboard; anyone with the URL acts as you\n", d.address)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(d.address, strconv.Itoa(d.port)))
	if err != nil {
		return fmt.Errorf("cannot listen on %s port %d: %w", d.address, d.port, err)
	}
	defer ln.Close()
	token, err := dashboard.NewToken()
	if err != nil {
		return fmt.Errorf("cannot make a token: %w", err)
	}
	srv, err := dashboard.New(ctx, dashboard.Config{Sluice: s.sluice, Kube: s.kube, Namespace: namespace, ReadOnly: d.readOnly})
	if err != nil {
		return err
	}
	e := dashboard.Endpoint{Address: d.address, Port: ln.Addr().(*net.TCPAddr).Port, Token: token}
	fmt.Fprintf(out, "sluice dashboard: %s\n", e.URL())
	if d.readOnly {
		fmt.Fprintln(out, "read-only: every action is refused")
	}
	fmt.Fprintln(out, "Press Ctrl-C to stop.")
	if !d.noOpen {
		openBrowser(e.URL(), errOut)
	}

	server := &http.Server{
		Handler:           srv.Handler(e),
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ReadHeaderTimeout: 10 * time.Second,
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		server.Shutdown(shutdown)
	}()
	err = server.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		<-stopped
		return nil
	}
	return err
}

// openBrowser opens url with the desktop's opener, if there is one; the URL is
// printed either way, so a missing opener is only mentioned.
func openBrowser(url string, errOut io.Writer) {
	opener := "xdg-open"
	if runtime.GOOS == "darwin" {
		opener = "open"
	}
	path, err := exec.LookPath(opener)
	if err != nil {
		fmt.Fprintf(errOut, "no %s found: open the URL above in a browser\n", opener)
		return
	}
	c := exec.Command(path, url)
	if err := c.Start(); err != nil {
		fmt.Fprintf(errOut, "could not open a browser (%v): open the URL above\n", err)
		return
	}
	go c.Wait() // reap it; the opener returns at once
}
