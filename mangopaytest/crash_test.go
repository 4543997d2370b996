//go:build unix

package mangopaytest_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// The crash test (issue 15, "A real crash test"): a child process (this test
// binary re-executed, running only TestCrashChild) makes transfers against
// the emulator with the outbox pattern of the README's "Surviving a crash":
// each logical request gets its Idempotency-Key from
// mangopay.NewIdempotencyKey(), written and fsynced to a file BEFORE the call,
// and its result is written after. TestCrashRecovery kills the child with
// SIGKILL at random points, restarts it, and checks on the server, through
// the SDK, that each logical request made exactly one transfer and that the
// money is conserved. On restart the child recovers each pending request
// with its persisted key only through public API: the same Create under the
// same key (mangopay recovers the recorded answer), or
// c.Idempotency.Get(ctx, key).

// Environment of the child process.
const (
	crashEnvChild  = "MANGOPAY_CRASH_CHILD" // "1" in the child
	crashEnvURL    = "MANGOPAY_CRASH_URL"   // the emulator's base URL
	crashEnvClient = "MANGOPAY_CRASH_CLIENT_ID"
	crashEnvKey    = "MANGOPAY_CRASH_API_KEY"
	crashEnvPlan   = "MANGOPAY_CRASH_PLAN"   // file: the logical requests, JSON
	crashEnvOutbox = "MANGOPAY_CRASH_OUTBOX" // file: the outbox journal
	// crashEnvPause makes the child stop, until it is killed, at its first
	// new request: "keyed" (key persisted, request not sent) or "answered"
	// (transfer made, result not persisted).
	crashEnvPause = "MANGOPAY_CRASH_PAUSE"
	// crashEnvLimit, when set, makes the child stop, until it is killed,
	// after that many new requests (or at the end of the plan): a life that
	// is to be killed never finishes the plan on its own.
	crashEnvLimit = "MANGOPAY_CRASH_LIMIT"
	// crashEnvSeed sets the kill schedule's seed (to replay a failing run).
	crashEnvSeed = "MANGOPAY_CRASH_SEED"
)

const (
	crashRequests = 400 // logical requests (transfers) in the plan
	crashKills    = 60  // child lives ended by SIGKILL
	crashLimit    = 5   // new requests at most in a life that is killed
	crashWallets  = 4
	crashCredit   = 10_000_000 // each wallet's credit, in cents
	crashAgent    = "crash-child"
)

// crashPlanned is one logical request of the plan.
type crashPlanned struct {
	Tag    string `json:"Tag"`
	Author string `json:"Author"`
	From   string `json:"From"`
	To     string `json:"To"`
	Amount int64  `json:"Amount"`
}

func (p crashPlanned) request() *mangopay.CreateTransferRequest {
	return &mangopay.CreateTransferRequest{AuthorID: p.Author, DebitedWalletID: p.From, CreditedWalletID: p.To, Tag: p.Tag,
		DebitedFunds: mangopay.Money{Currency: "EUR", Amount: p.Amount}, Fees: mangopay.Money{Currency: "EUR"}}
}

// How a logical request was finished, as written in the outbox.
const (
	howNew       = "new"       // sent once, answer stored: no crash in between
	howResent    = "resent"    // pending on restart, sent again under its key: made then
	howRecovered = "recovered" // pending on restart, sent again under its key: the recorded answer (Response.Recovered)
	howRecorded  = "recorded"  // pending on restart, read with c.Idempotency.Get
)

// outbox is the child's journal, one line per fact, each fsynced before the
// child goes on:
//
//	key <i> <Idempotency-Key>   before request i is sent (again, for a new key)
//	done <i> <TransferId> <how> after its result is known
type outbox struct {
	f    *os.File
	key  map[int]string   // the current key of each request
	keys map[int][]string // every key each request was given
	done map[int]outboxDone
}

type outboxDone struct{ id, how string }

// openOutbox opens (creating it) and reads the journal at path. A kill in the
// middle of a write can leave a torn last line: it is dropped, which is safe
// because a request is sent only once its key line is complete and synced.
func openOutbox(path string) (*outbox, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	if n := bytes.LastIndexByte(data, '\n') + 1; n < len(data) {
		if err := f.Truncate(int64(n)); err != nil {
			f.Close()
			return nil, err
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return nil, err
		}
		data = data[:n]
	}
	o := &outbox{f: f, key: map[int]string{}, keys: map[int][]string{}, done: map[int]outboxDone{}}
	if err := o.parse(data); err != nil {
		f.Close()
		return nil, err
	}
	return o, nil
}

func (o *outbox) parse(data []byte) error {
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		if line == "" {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return fmt.Errorf("outbox: bad line %q", line)
		}
		i, err := strconv.Atoi(fields[1])
		if err != nil {
			return fmt.Errorf("outbox: bad line %q", line)
		}
		switch {
		case fields[0] == "key" && len(fields) == 3:
			o.key[i] = fields[2]
			o.keys[i] = append(o.keys[i], fields[2])
		case fields[0] == "done" && len(fields) == 4:
			o.done[i] = outboxDone{id: fields[2], how: fields[3]}
		default:
			return fmt.Errorf("outbox: bad line %q", line)
		}
	}
	return nil
}

// write appends line and syncs it to disk.
func (o *outbox) write(format string, args ...any) error {
	if _, err := fmt.Fprintf(o.f, format+"\n", args...); err != nil {
		return err
	}
	return o.f.Sync()
}

func (o *outbox) setKey(i int, key string) error {
	if err := o.write("key %d %s", i, key); err != nil {
		return err
	}
	o.key[i] = key
	o.keys[i] = append(o.keys[i], key)
	return nil
}

func (o *outbox) setDone(i int, id, how string) error {
	if err := o.write("done %d %s %s", i, id, how); err != nil {
		return err
	}
	o.done[i] = outboxDone{id: id, how: how}
	return nil
}

// TestCrashChild is the child process of TestCrashRecovery; run on its own
// it skips.
func TestCrashChild(t *testing.T) {
	if os.Getenv(crashEnvChild) != "1" {
		t.Skip("the child process of TestCrashRecovery")
	}
	if err := crashChild(); err != nil {
		fmt.Printf("child-error %v\n", err)
		t.Fatal(err)
	}
}

// say tells the parent how far the child got (one line on stdout).
func say(format string, args ...any) { fmt.Printf(format+"\n", args...) }

// parkUntilKilled blocks until the parent kills the child (or goes away and
// closes its stdin).
func parkUntilKilled() { _, _ = io.Copy(io.Discard, os.Stdin) }

// crashChild runs one life of the child: recover the pending requests, then
// make the new ones, each under the outbox pattern.
func crashChild() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	raw, err := os.ReadFile(os.Getenv(crashEnvPlan))
	if err != nil {
		return err
	}
	var plan []crashPlanned
	if err := json.Unmarshal(raw, &plan); err != nil {
		return err
	}
	ob, err := openOutbox(os.Getenv(crashEnvOutbox))
	if err != nil {
		return err
	}
	defer ob.f.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := mangopay.New(os.Getenv(crashEnvClient), os.Getenv(crashEnvKey), mangopay.WithBaseURL(os.Getenv(crashEnvURL)),
		mangopay.WithHTTPClient(&http.Client{Transport: tr, Timeout: 30 * time.Second}),
		mangopay.WithUserAgent(crashAgent), mangopay.WithRetryWait(5*time.Millisecond, time.Second))
	if err != nil {
		return err
	}

	// 1. Recovery: each request whose key is stored but whose result is not
	// may or may not have happened. Even ones are sent again under their key,
	// odd ones are first looked up under it.
	for i := range plan {
		if _, pending := ob.key[i]; !pending || ob.done[i].id != "" {
			continue
		}
		if i%2 == 1 {
			done, err := lookUp(ctx, c, ob, i, plan[i])
			if err != nil {
				return err
			}
			if done {
				continue
			}
		}
		if err := send(ctx, c, ob, i, plan[i], true); err != nil {
			return err
		}
	}
	say("ready")

	// 2. New requests: the key is stored before the call.
	limit, _ := strconv.Atoi(os.Getenv(crashEnvLimit))
	made := 0
	for i := range plan {
		if _, seen := ob.key[i]; seen {
			continue
		}
		if limit > 0 && made == limit {
			say("limit")
			parkUntilKilled()
			return errors.New("not killed at the limit")
		}
		if err := ob.setKey(i, mangopay.NewIdempotencyKey()); err != nil {
			return err
		}
		say("keyed %d", i)
		if os.Getenv(crashEnvPause) == "keyed" {
			say("paused keyed %d", i)
			parkUntilKilled()
			return errors.New("not killed when paused")
		}
		if err := send(ctx, c, ob, i, plan[i], false); err != nil {
			return err
		}
		made++
	}
	say("finished")
	if limit > 0 {
		parkUntilKilled()
		return errors.New("not killed at the end")
	}
	return nil
}

// lookUp reads what Mangopay recorded under request i's key: done when the
// transfer was made (its result is then stored). Nothing recorded means the
// request never reached Mangopay (sending it under the same key is safe); a
// recorded 429 or 5xx means it had no effect: a new key is stored, to send
// it again under.
func lookUp(ctx context.Context, c *mangopay.Client, ob *outbox, i int, p crashPlanned) (done bool, err error) {
	rec, err := c.Idempotency.Get(ctx, ob.key[i])
	switch {
	case errors.Is(err, mangopay.ErrNotFound):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("request %d: Idempotency.Get: %w", i, err)
	case !rec.Succeeded():
		var apiErr *mangopay.APIError
		if errors.As(rec.Err(), &apiErr) && (apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode >= 500) {
			return false, ob.setKey(i, mangopay.NewIdempotencyKey())
		}
		return false, fmt.Errorf("request %d: recorded %v", i, rec.Err())
	}
	if rec.RequestPath() != "/transfers" {
		return false, fmt.Errorf("request %d: the key's record is of %s", i, rec.RequestPath())
	}
	tr, err := mangopay.DecodeRecorded[mangopay.Transfer](rec)
	if err != nil {
		return false, fmt.Errorf("request %d: %w", i, err)
	}
	if tr.Tag != p.Tag || tr.DebitedWalletID != p.From || tr.CreditedWalletID != p.To || tr.DebitedFunds.Amount != p.Amount {
		return false, fmt.Errorf("request %d: the key's record is another transfer: %+v", i, tr)
	}
	say("recorded %d", i)
	return true, ob.setDone(i, tr.ID, howRecorded)
}

// send makes request i under its stored key and stores the result.
// ErrOutcomeUnknown is settled as documented: the same request under the
// same key, again. An error saying the request had no effect gets a new key,
// stored first.
func send(ctx context.Context, c *mangopay.Client, ob *outbox, i int, p crashPlanned, pending bool) error {
	for try := 0; ; try++ {
		var meta mangopay.Response
		tr, err := c.Transfers.Create(ctx, p.request(), mangopay.WithIdempotencyKey(ob.key[i]), mangopay.CaptureResponse(&meta))
		switch {
		case err == nil:
		case try >= 20 || ctx.Err() != nil:
			return fmt.Errorf("request %d: %w", i, err)
		case errors.Is(err, mangopay.ErrOutcomeUnknown):
			continue
		case mangopayIsTransient(err):
			if err := ob.setKey(i, mangopay.NewIdempotencyKey()); err != nil {
				return err
			}
			continue
		default:
			return fmt.Errorf("request %d: %w", i, err)
		}
		say("answered %d", i)
		if !pending && os.Getenv(crashEnvPause) == "answered" {
			say("paused answered %d", i)
			parkUntilKilled()
			return errors.New("not killed when paused")
		}
		how := howNew
		switch {
		case pending && meta.Recovered:
			how = howRecovered
		case pending:
			how = howResent
		}
		if err := ob.setDone(i, tr.ID, how); err != nil {
			return err
		}
		say("done %d", i)
		return nil
	}
}

// mangopayIsTransient reports whether err is a 429 or 5xx *APIError: the
// request had no effect.
func mangopayIsTransient(err error) bool {
	var apiErr *mangopay.APIError
	return errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusTooManyRequests || apiErr.StatusCode >= 500)
}

// child is one life of the child process, seen from the parent.
type child struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser // never written: a paused child waits on it
	stderr *bytes.Buffer  // read only once it has exited
	lines  chan string    // its stdout, closed at EOF
}

func startChild(ctx context.Context, t *testing.T, env []string) *child {
	t.Helper()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	// The race detector waits 1 s at exit by default: not in a child.
	cmd.Env = append(append(os.Environ(), env...), crashEnvChild+"=1", "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	stderr := &bytes.Buffer{}
	cmd.Stderr = stderr
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	ch := &child{cmd: cmd, stdin: stdin, stderr: stderr, lines: make(chan string, 64)}
	go func() {
		defer close(ch.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			ch.lines <- sc.Text()
		}
	}()
	return ch
}

// waitFor reads the child's lines until one starts with prefix; it fails
// the test if the child ends first or ctx is done. It returns the line.
func (ch *child) waitFor(ctx context.Context, t *testing.T, prefix string) string {
	t.Helper()
	for {
		select {
		case line, ok := <-ch.lines:
			if !ok {
				err := ch.cmd.Wait()
				t.Fatalf("the child ended (%v) before %q; stderr: %s", err, prefix, ch.stderr)
			}
			require.False(t, strings.HasPrefix(line, "child-error"), line)
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-ctx.Done():
			t.Fatalf("waiting for %q: %v", prefix, ctx.Err())
		}
	}
}

// kill sends SIGKILL and waits for the child; it fails the test unless the
// signal is what ended it.
func (ch *child) kill(t *testing.T) {
	t.Helper()
	require.NoError(t, ch.cmd.Process.Signal(syscall.SIGKILL))
	for range ch.lines { // drain what it wrote before dying
	}
	err := ch.cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the child ended by itself: %v", err)
	ws, ok := exit.Sys().(syscall.WaitStatus)
	require.True(t, ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL, "the child ended with %v, stderr: %s", err, ch.stderr)
}

func TestCrashRecovery(t *testing.T) {
	if os.Getenv(crashEnvChild) == "1" {
		t.Skip("in the child")
	}
	t.Parallel()
	start := time.Now()
	// A bound against a hang: the test takes a few seconds (the last figures:
	// 2.8 s alone, 5.4 s beside the fault storms, with -race on 2 cores).
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	srv := mangopaytest.NewServer(mangopaytest.WithRateLimits(1<<30, 1<<30, 1<<30, 1<<30))
	t.Cleanup(srv.Close)
	c := srv.Client()

	// Wallets of OWNERs with the sandbox's "accept" email bypass (no SCA),
	// each credited; transfers between them.
	var wallets []string
	owner := map[string]string{}
	for i := range crashWallets {
		in := ownerRequest(fmt.Sprintf("Crash%d", i))
		in.Email = fmt.Sprintf("crash%d+accept@example.com", i)
		u, err := c.Users.CreateNatural(ctx, in)
		require.NoError(t, err)
		w, err := c.Wallets.Create(ctx, &mangopay.CreateWalletRequest{Owners: []string{u.ID}, Description: "crash test", Currency: "EUR"})
		require.NoError(t, err)
		require.NoError(t, srv.Credit(w.ID, crashCredit))
		wallets = append(wallets, w.ID)
		owner[w.ID] = u.ID
	}
	plan := make([]crashPlanned, crashRequests)
	for i := range plan {
		from := wallets[i%crashWallets]
		to := wallets[(i%crashWallets+1+(i/crashWallets)%(crashWallets-1))%crashWallets]
		plan[i] = crashPlanned{Tag: fmt.Sprintf("crash-%04d", i), Author: owner[from], From: from, To: to, Amount: 100 + int64(i)}
	}
	dir := t.TempDir()
	planFile, outboxFile := filepath.Join(dir, "plan.json"), filepath.Join(dir, "outbox")
	raw, err := json.Marshal(plan)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(planFile, raw, 0o600))
	env := []string{crashEnvURL + "=" + srv.URL, crashEnvClient + "=" + srv.ClientID, crashEnvKey + "=" + srv.APIKey,
		crashEnvPlan + "=" + planFile, crashEnvOutbox + "=" + outboxFile}

	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv(crashEnvSeed); s != "" {
		seed, err = strconv.ParseUint(s, 10, 64)
		require.NoError(t, err)
	}
	t.Logf("kill schedule seed %d (%s=%d replays it)", seed, crashEnvSeed, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	// Kill the child crashKills times. Every sixth life stops with a key
	// stored and its request unsent, every sixth (shifted) with a transfer
	// made and its result unstored: the two crashes the outbox exists for,
	// each met for sure. The other lives die at a random point: during
	// start-up or recovery, or after a random number of steps and a random
	// delay (sending, waiting, writing the outbox).
	pausedKeyed, pausedAnswered := map[int]bool{}, map[int]bool{}
	kills := 0
	for life := 0; kills < crashKills; life++ {
		lifeEnv := append([]string{crashEnvLimit + "=" + strconv.Itoa(crashLimit)}, env...)
		switch life % 6 {
		case 1:
			lifeEnv = append(lifeEnv, crashEnvPause+"=keyed")
		case 2:
			lifeEnv = append(lifeEnv, crashEnvPause+"=answered")
		}
		ch := startChild(ctx, t, lifeEnv)
		switch life % 6 {
		case 1, 2:
			line := ch.waitFor(ctx, t, "paused ")
			i, err := strconv.Atoi(line[strings.LastIndexByte(line, ' ')+1:])
			require.NoError(t, err)
			if life%6 == 1 {
				pausedKeyed[i] = true
			} else {
				pausedAnswered[i] = true
			}
		case 3:
			time.Sleep(time.Duration(rng.IntN(20_000)) * time.Microsecond) // a random kill point, early
		default:
			ch.waitFor(ctx, t, "ready")
			for steps := rng.IntN(3 * crashLimit); steps > 0; steps-- {
				// any step: keyed, answered, done; "limit": it waits to be killed
				if line := ch.waitFor(ctx, t, ""); line == "limit" {
					break
				}
			}
			time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond) // a random kill point
		}
		ch.kill(t)
		kills++
	}
	// The last life runs to the end of the plan.
	final := startChild(ctx, t, env)
	final.waitFor(ctx, t, "finished")
	for range final.lines {
	}
	require.NoError(t, final.cmd.Wait(), "the last life: %s", final.stderr)

	// The outbox: every logical request finished, once.
	ob, err := openOutbox(outboxFile)
	require.NoError(t, err)
	defer ob.f.Close()
	hows := map[string]int{}
	for i := range plan {
		d := ob.done[i]
		require.NotEmpty(t, d.id, "request %d not finished", i)
		hows[d.how]++
	}
	for i := range pausedAnswered {
		// The transfer was made, the child died before storing it: the
		// restart must find it (a new transfer would be a double).
		assert.Contains(t, []string{howRecovered, howRecorded}, ob.done[i].how, "request %d (killed with its transfer made, unstored)", i)
	}
	for i := range pausedKeyed {
		assert.NotEqual(t, howNew, ob.done[i].how, "request %d (killed with its key stored, unsent) was finished on restart", i)
	}
	assert.NotEmpty(t, pausedAnswered)
	assert.NotEmpty(t, pausedKeyed)

	// On the server, through the SDK: exactly one transfer per logical
	// request, the one the outbox holds, as planned.
	byTag := map[string][]*mangopay.Transaction{}
	for _, w := range wallets {
		for tx, err := range c.Transactions.AllByWallet(ctx, w, mangopay.ScaUserPresent,
			&mangopay.TransactionListOptions{Type: []mangopay.TransactionType{mangopay.TransactionTypeTransfer}}) {
			require.NoError(t, err)
			if tx.DebitedWalletID == w { // each transfer once, from its debited wallet
				byTag[tx.Tag] = append(byTag[tx.Tag], tx)
			}
		}
	}
	assert.Len(t, byTag, crashRequests, "tags of the transfers on the server")
	want := map[string]int64{}
	for _, w := range wallets {
		want[w] = crashCredit
	}
	for i, p := range plan {
		txs := byTag[p.Tag]
		if assert.Len(t, txs, 1, "request %d: transfers on the server", i) {
			tx := txs[0]
			assert.Equal(t, ob.done[i].id, tx.ID, "request %d: the outbox holds the server's transfer", i)
			assert.Equal(t, p.From, tx.DebitedWalletID)
			assert.Equal(t, p.To, tx.CreditedWalletID)
			assert.Equal(t, p.Amount, tx.DebitedFunds.Amount)
			assert.Equal(t, mangopay.TransactionStatusSucceeded, tx.Status, "request %d", i)
		}
		want[p.From] -= p.Amount
		want[p.To] += p.Amount
	}
	var sum int64
	for _, w := range wallets {
		got, err := c.Wallets.Get(ctx, w, mangopay.ScaUserPresent)
		require.NoError(t, err)
		assert.Equal(t, want[w], got.Balance.Amount, "wallet %s", w)
		sum += got.Balance.Amount
	}
	assert.EqualValues(t, crashWallets*crashCredit, sum, "money is conserved to the cent")

	// The child used public API only, and each request went out under the
	// key of its outbox: recovered, never repeated under a new key.
	keyOf := map[string]int{}
	for i, ks := range ob.keys {
		for _, k := range ks {
			keyOf[k] = i
		}
	}
	apiPrefix := "/v2.01/" + srv.ClientID
	var posts, lookups int
	for _, r := range srv.Requests() {
		if !strings.Contains(r.Header.Get("User-Agent"), crashAgent) {
			continue
		}
		switch {
		case r.Method == http.MethodPost && r.Path == "/v2.01/oauth/token":
		case r.Method == http.MethodPost && r.Path == apiPrefix+"/transfers":
			posts++
			var body struct{ Tag string }
			_ = json.Unmarshal(r.Body, &body)
			i, ok := keyOf[r.Header.Get("Idempotency-Key")]
			if assert.True(t, ok, "a transfer sent under a key not in the outbox: %s", body.Tag) {
				assert.Equal(t, plan[i].Tag, body.Tag, "the key of request %d", i)
			}
		case r.Method == http.MethodGet && strings.HasPrefix(r.Path, apiPrefix+"/responses/"):
			lookups++
			_, ok := keyOf[strings.TrimPrefix(r.Path, apiPrefix+"/responses/")]
			assert.True(t, ok, "a lookup of a key not in the outbox")
		default:
			t.Errorf("the child sent %s %s: not the public API it needs", r.Method, r.Path)
		}
	}
	assert.Positive(t, lookups, "recoveries read GET /responses/{key}")
	t.Logf("%d kills, %d logical requests (%v), %d POST /transfers and %d GET /responses from the children, %d paused after the key and %d after the transfer, in %v",
		kills, crashRequests, hows, posts, lookups, len(pausedKeyed), len(pausedAnswered), time.Since(start).Round(time.Millisecond))
}
