package mangopay

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the run if a test leaves goroutines behind (a retry timer,
// a token refresh, an HTTP connection of a client that was not closed).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
