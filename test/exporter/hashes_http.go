package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// The hash targets' endpoints:
//
//	POST   /hashes   one target or a list of them, applied together:
//	                 {"namespace":"ns","service":"web","hash":"6d4f9c","rate":20,
//	                  "errorRate":0.02,"latencyMs":100,"latencyScale":1.3,
//	                  "latencyShiftMs":0,"spread":0.25,"seed":1}
//	                 (all but service and hash optional; omitted settings keep
//	                 their value, a seed restarts the target's draws)
//	GET    /hashes   the targets and their settings
//	DELETE /hashes?namespace=ns[&service=web][&hash=6d4f9c]
//	                 stop the matching targets (at least one filter)
func (s *Simulator) registerHashes(mux *http.ServeMux) {
	mux.HandleFunc("POST /hashes", func(w http.ResponseWriter, r *http.Request) {
		reqs, err := decodeHashRequests(r.Body)
		if err != nil {
			httpError(w, http.StatusBadRequest, err)
			return
		}
		if err := s.ApplyHashes(reqs); err != nil {
			httpError(w, http.StatusBadRequest, err)
			return
		}
		writeJSON(w, http.StatusOK, s.HashTargets())
	})
	mux.HandleFunc("GET /hashes", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, s.HashTargets())
	})
	mux.HandleFunc("DELETE /hashes", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		filter := hashKey{Namespace: q.Get("namespace"), Service: q.Get("service"), Hash: q.Get("hash")}
		if filter == (hashKey{}) {
			httpError(w, http.StatusBadRequest, errors.New("name at least one of namespace, service and hash (POST /reset stops all)"))
			return
		}
		writeJSON(w, http.StatusOK, map[string]int{"deleted": s.DeleteHashes(filter)})
	})
}

// decodeHashRequests reads one target object or a list of them, refusing
// unknown fields so that a misspelt setting is not silently ignored.
func decodeHashRequests(body io.Reader) ([]hashRequest, error) {
	raw, err := io.ReadAll(io.LimitReader(body, 1<<20))
	if err != nil {
		return nil, err
	}
	raw = bytes.TrimSpace(raw)
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var reqs []hashRequest
	if len(raw) > 0 && raw[0] == '[' {
		err = dec.Decode(&reqs)
	} else {
		var one hashRequest
		err = dec.Decode(&one)
		reqs = []hashRequest{one}
	}
	if err != nil {
		return nil, fmt.Errorf("invalid JSON: %w", err)
	}
	if len(reqs) == 0 {
		return nil, errors.New("no targets given")
	}
	return reqs, nil
}
