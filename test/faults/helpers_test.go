//go:build faults

package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/sluice-dev/sluice/test/e2e/framework"
)

var httpClient = &http.Client{Timeout: 5 * time.Second}

// setExporterRate makes the exporter simulate a version serving rate
// requests per second without errors (0: a version that serves nothing).
func setExporterRate(g *framework.Framework, version string, rate float64) {
	g.T.Helper()
	body, _ := json.Marshal(map[string]any{"version": version, "errorRate": 0, "rate": rate})
	resp, err := httpClient.Post(g.Info.ExporterURL+"/control", "application/json", bytes.NewReader(body))
	if err != nil {
		g.T.Fatalf("exporter /control: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		g.T.Fatalf("exporter /control %s: %s", version, resp.Status)
	}
}

// promSamples is how many samples (NaN ones included) an instant query
// returns.
func promSamples(promURL, query string) (int, error) {
	resp, err := httpClient.Get(promURL + "/api/v1/query?query=" + url.QueryEscape(query))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, err
	}
	if body.Status != "success" {
		return 0, fmt.Errorf("prometheus: %s", body.Error)
	}
	return len(body.Data.Result), nil
}
