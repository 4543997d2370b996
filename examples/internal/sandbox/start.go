package sandbox

import (
	"bufio"
	"bytes"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Start builds cmd/mangopay-sandbox and runs it as a subprocess on a free
// loopback port, as a user would start it by hand, with the extra flags in
// args (such as "-proxy"). It returns the base URL the command printed and
// stops the process (SIGINT) when the test ends, failing the test if it did
// not exit 0. It is for the examples' tests.
func Start(t testing.TB, args ...string) string {
	t.Helper()
	goBin, err := exec.LookPath("go") // go test puts its own GOROOT/bin first in PATH
	if err != nil {
		t.Fatalf("no go command to build mangopay-sandbox: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "mangopay-sandbox")
	if out, err := exec.Command(goBin, "build", "-o", bin, "github.com/scaforge/mangopay/cmd/mangopay-sandbox").CombinedOutput(); err != nil {
		t.Fatalf("go build mangopay-sandbox: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1)
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		l, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- strings.TrimSpace(l)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		err := cmd.Wait()
		<-copied
		if err != nil {
			t.Errorf("mangopay-sandbox did not stop cleanly: %v\n%s", err, stderr.String())
		}
	})
	select {
	case base := <-lines:
		if !strings.HasPrefix(base, "http://127.0.0.1:") {
			t.Fatalf("mangopay-sandbox printed %q, not its base URL; stderr: %s", base, stderr.String())
		}
		return base
	case <-time.After(60 * time.Second):
		t.Fatalf("mangopay-sandbox printed no base URL in 60 s; stderr: %s", stderr.String())
		return ""
	}
}

// lockedBuffer is a bytes.Buffer safe for the process's writer and the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
