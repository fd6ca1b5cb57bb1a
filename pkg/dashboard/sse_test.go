package dashboard

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// stream is an open event stream.
type stream struct {
	lines chan string
	done  func()
}

func openStream(t *testing.T, server *httptest.Server, topic string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r, _ := http.NewRequestWithContext(ctx, http.MethodGet, server.URL+"/events?topic="+topic, nil)
	r.Host = fmt.Sprintf("127.0.0.1:%d", testPort)
	r.Header.Set("Authorization", "Bearer "+testToken)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		cancel()
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &stream{lines: make(chan string, 100), done: func() { cancel(); resp.Body.Close() }}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	t.Cleanup(s.done)
	return s
}

// next waits for the next event the stream sends (comments skipped), at most
// timeout: the bound of a test that would otherwise hang, not a timing claim.
func (s *stream) next(t *testing.T, timeout time.Duration) string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatal("the stream ended")
			}
			if strings.HasPrefix(line, "event: ") {
				return strings.TrimPrefix(line, "event: ")
			}
		case <-deadline:
			t.Fatalf("no event within %s", timeout)
		}
	}
}

// A change to a Rollout reaches its open page's stream as one "changed"
// event, and the page's live part then shows the change.
func TestRolloutChangeReachesItsPage(t *testing.T) {
	f := newFixture(t, fixtureOptions{debounce: 20 * time.Millisecond}, objects(canaryRollout("web"), canaryRollout("api")))
	f.t = t
	server := httptest.NewServer(f.handler)
	t.Cleanup(server.Close) // after the streams' cleanups: Close waits for open requests
	page := openStream(t, server, "rollout/default/web")
	list := openStream(t, server, "list")
	other := openStream(t, server, "rollout/default/api")

	ro := f.rollout("web")
	ro.Status.PauseConditions, ro.Status.Phase, ro.Status.Message = nil, "Progressing", "more replicas need to be updated"
	if _, err := f.sluice.SluiceV1alpha1().Rollouts("default").UpdateStatus(context.Background(), ro, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := page.next(t, 10*time.Second); got != "changed" {
		t.Errorf("page event %q, want changed", got)
	}
	if got := list.next(t, 10*time.Second); got != "changed" {
		t.Errorf("list event %q, want changed", got)
	}
	part := f.request(http.MethodGet, "/parts"+webPath, nil).Body.String()
	if !strings.Contains(part, "◌ Progressing - more replicas need to be updated") {
		t.Errorf("the live part does not show the change:\n%s", part)
	}
	select {
	case line := <-other.lines:
		if strings.HasPrefix(line, "event:") {
			t.Errorf("another Rollout's page got %q", line)
		}
	default:
	}
	if n := f.srv.details.running(); n != 2 {
		t.Errorf("%d Rollout watches while two Rollout pages are open, want 2", n)
	}
}

// A stream for something that is not a page is refused.
func TestStreamTopics(t *testing.T) {
	f := newFixture(t, fixtureOptions{}, objects(canaryRollout("web")))
	f.t = t
	for target, want := range map[string]int{
		"/events?topic=nonsense":                           http.StatusBadRequest,
		"/events?topic=rollout/default":                    http.StatusBadRequest,
		"/events?topic=rollout/default/nope":               http.StatusNotFound,
		"/events?topic=rollout/default/a/b":                http.StatusBadRequest,
		"/events?topic=analysisrun/default/a%0Aevent:%20x": http.StatusBadRequest,
		"/events?topic=analysisrun/Default/x":              http.StatusBadRequest,
		"/events?topic=analysisrun/default/x":              http.StatusOK,
	} {
		if want == http.StatusOK {
			continue // an open stream; TestRolloutChangeReachesItsPage reads one
		}
		if w := f.request(http.MethodGet, target, nil); w.Code != want {
			t.Errorf("GET %s: %d, want %d", target, w.Code, want)
		}
	}
}
