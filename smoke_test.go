package mangopay

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPipelineSmoke checks one authenticated GET end to end through the test helpers.
func TestPipelineSmoke(t *testing.T) {
	t.Parallel()
	env := newTestClient(t)
	var cp capture
	env.mt.RegisterResponder(http.MethodGet, testAPI+"/things/a%20b", cp.wrap(jsonResponder(200, `{"Id":"x"}`)))
	_, err := pathf("/things/%s", "a b")
	require.Error(t, err, "ids with spaces are refused")
	p := "/things/a%20b"
	var out struct {
		ID string `json:"Id"`
	}
	require.NoError(t, env.c.get(context.Background(), p, nil, &out, nil))
	assert.Equal(t, "x", out.ID)
	r, _ := cp.last(t)
	assertStdHeaders(t, r)
	assert.EqualValues(t, 1, env.tokenCalls.Load())
}
