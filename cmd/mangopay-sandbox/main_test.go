package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// syncBuffer is a bytes.Buffer safe for the writer goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// token asks base for an OAuth token with the given credentials.
func token(t *testing.T, base, id, key string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/v2.01/oauth/token", strings.NewReader("grant_type=client_credentials"))
	require.NoError(t, err)
	req.SetBasicAuth(id, key)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func TestRunServesUntilCancelled(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-client-id", "demo", "-api-key", "demo-key", "-proxy", "-v"}, pw, &stderr)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	base := strings.TrimSpace(line)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+$`, base)
	assert.Equal(t, http.StatusOK, token(t, base, "demo", "demo-key").StatusCode)
	assert.Equal(t, http.StatusUnauthorized, token(t, base, "demo", "wrong").StatusCode)
	cancel()
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.NoError(t, <-done)
	out := stderr.String()
	assert.Contains(t, out, `ClientId "demo"`)
	assert.NotContains(t, out, "demo-key", "the API key is never printed")
	assert.Contains(t, out, "mangopaytest request", "-v logs requests")
	assert.Contains(t, out, "mangopay-sandbox: stopped")
}

// TestRunStatesTheTransferRule checks that the command says which SCA rule
// its transfers follow: the documented sandbox by default
// (docs.mangopay.com/guides/sca/transfers, "SCA triggers in Sandbox"), the
// low-value counters only with -low-value-exemption.
func TestRunStatesTheTransferRule(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stderr syncBuffer
	require.NoError(t, run(ctx, []string{"-addr", "127.0.0.1:0"}, io.Discard, &stderr))
	assert.Contains(t, stderr.String(), "transfers need SCA from EUR 500.01 (documented sandbox); an Email containing \"accept\" skips SCA")
	assert.NotContains(t, stderr.String(), "low-value")
	var lv syncBuffer
	require.NoError(t, run(ctx, []string{"-addr", "127.0.0.1:0", "-low-value-exemption"}, io.Discard, &lv))
	assert.Contains(t, lv.String(), "under the low-value exemption's counters (below EUR 30: the sixth in a row, or past EUR 100 in total)")
}

func TestRunPublicURL(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr syncBuffer
	require.NoError(t, run(ctx, []string{"-addr", "127.0.0.1:0", "-public-url", "https://sandbox.example/"}, &stdout, &stderr))
	assert.Equal(t, "https://sandbox.example\n", stdout.String())
}

func TestRunRefusesBadInvocations(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-no-such-flag"},
		{"-addr", "127.0.0.1:0", "extra"},
		{"-token-lifetime", "soon"},
	} {
		var stderr syncBuffer
		err := run(context.Background(), args, io.Discard, &stderr)
		assert.ErrorIs(t, err, errUsage, "%v", args)
		assert.Contains(t, stderr.String(), "Usage: mangopay-sandbox", "%v", args)
	}
	for _, args := range [][]string{
		{"-addr", "256.1.1.1:0"},
		{"-addr", "127.0.0.1:0", "-client-id", "a/b"},
		{"-addr", "127.0.0.1:0", "-public-url", "not a url"},
	} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		require.Error(t, err, "%v", args)
		assert.NotErrorIs(t, err, errUsage)
	}
	assert.ErrorIs(t, run(context.Background(), []string{"-h"}, io.Discard, io.Discard), flag.ErrHelp)
}

// TestBinaryStopsCleanlyOnSignals builds the command, runs it as a
// subprocess, reads its first line, calls it, signals it, and checks it
// exits 0.
func TestBinaryStopsCleanlyOnSignals(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("POSIX signals")
	}
	t.Parallel()
	goBin, err := exec.LookPath("go") // go test puts its own GOROOT/bin first in PATH
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), "mangopay-sandbox")
	out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-client-id", "demo", "-api-key", "demo-key")
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var stderr syncBuffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())
		lines := make(chan string, 1)
		go func() {
			l, _ := bufio.NewReader(stdout).ReadString('\n')
			lines <- strings.TrimSpace(l)
			_, _ = io.Copy(io.Discard, stdout)
		}()
		var base string
		select {
		case base = <-lines:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatalf("no base URL on stdout; stderr: %s", stderr.String())
		}
		require.Regexp(t, `^http://127\.0\.0\.1:\d+$`, base)
		assert.Equal(t, http.StatusOK, token(t, base, "demo", "demo-key").StatusCode)

		require.NoError(t, cmd.Process.Signal(sig))
		err = cmd.Wait()
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			t.Fatalf("%v: exit status %d; stderr: %s", sig, exitErr.ExitCode(), stderr.String())
		}
		require.NoError(t, err, "%v", sig)
		assert.Equal(t, 0, cmd.ProcessState.ExitCode())
		assert.Contains(t, stderr.String(), "mangopay-sandbox: stopped")
	}
}

// TestRunRateLimits checks -rate-limits: the 15-minute window's count is
// enforced (the next call is answered 429), and a malformed value is a usage
// error naming the flag.
func TestRunRateLimits(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-client-id", "demo", "-api-key", "demo-key", "-rate-limits", "2,10,10,10"}, pw, io.Discard)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	base := strings.TrimSpace(line)
	var statuses []int
	for range 3 {
		statuses = append(statuses, token(t, base, "demo", "demo-key").StatusCode)
	}
	cancel()
	require.NoError(t, <-done)
	assert.Equal(t, []int{http.StatusOK, http.StatusOK, http.StatusTooManyRequests}, statuses)

	for _, v := range []string{"1,2,3", "1,2,3,x", "0,1,1,1", "-1,1,1,1"} {
		var stderr syncBuffer
		err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-rate-limits", v}, io.Discard, &stderr)
		assert.ErrorIs(t, err, errUsage, v)
		assert.Contains(t, stderr.String(), "-rate-limits: ", v)
	}
}
