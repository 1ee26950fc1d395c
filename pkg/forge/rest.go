package forge

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
)

// maxBody bounds what is read of an answer.
const maxBody = 8 << 20

// restClient calls a JSON REST API, for the providers without a client library here (see doc.go).
type restClient struct {
	hc      *http.Client
	base    *url.URL // API root, ending in "/"
	f       failer
	message func(body []byte) string // the host's error message in an error answer's body
}

// call sends method to path (escaped, relative to the API root) with query q and in as a JSON
// body, and decodes a 2xx answer into out. what names the object for a 404. A 203 (Azure DevOps'
// sign-in page) and an answer that is not JSON are failures too.
func (c *restClient) call(ctx context.Context, op, method, path string, q url.Values, in, out any, what string) error {
	u := c.base.String() + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return c.f.plain(op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return c.f.plain(op, err)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.f.transport(op, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return c.f.transport(op, err)
	}
	if resp.StatusCode == http.StatusNonAuthoritativeInfo || resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.f.status(op, resp.StatusCode, c.message(data), what)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent {
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "" && mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return c.f.invalid(op, resp.StatusCode, "a "+mt+" page, not JSON")
	}
	if err := json.Unmarshal(data, out); err != nil {
		return c.f.invalid(op, resp.StatusCode, err.Error())
	}
	return nil
}

// jsonMessage reads the usual error bodies: {"message": ...} (a string, or GitLab's list or
// map of field errors), {"error": ..., "error_description": ...}; else the body if it is short
// plain text.
func jsonMessage(body []byte) string {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		s := strings.TrimSpace(string(body))
		if strings.HasPrefix(s, "<") || len(s) > 300 {
			return ""
		}
		return s
	}
	var parts []string
	for _, k := range []string{"message", "error", "error_description"} {
		switch v := m[k].(type) {
		case nil:
		case string:
			parts = append(parts, v)
		default:
			b, _ := json.Marshal(v)
			parts = append(parts, string(b))
		}
	}
	return strings.Join(parts, ": ")
}
