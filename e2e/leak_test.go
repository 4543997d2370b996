package e2e

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: the site,
// the emulator, or chromedp's connection to the browser once it is cancelled.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
