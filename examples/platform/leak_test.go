package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind (the
// emulator, an HTTP server or a keep-alive connection that was not closed).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
