package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/scaforge/mangopay"
	"github.com/scaforge/mangopay/mangopaytest"
)

// The steps that move money in and out of Mangopay: the card pay-in that
// funds the story, the payout, the refund, and the final reconciliation.

// testCard is the sandbox card that always gets a 3DS2 challenge
// (docs.mangopay.com/testing/payment-methods: 4970105181818183, with
// SecureMode FORCE or NO_CHOICE, any future expiry).
func testCard(now time.Time) mangopaytest.Card {
	exp := now.AddDate(3, 0, 0)
	return mangopaytest.Card{Number: mangopaytest.TestCardChallenge,
		Expiry: fmt.Sprintf("%02d%02d", int(exp.Month()), exp.Year()%100), CVC: "123"}
}

// browser is what the payer's browser reports for 3DS2 (BrowserInfo is
// required on a direct card pay-in; a web page reads it with JavaScript).
var browser = &mangopay.BrowserInfo{
	AcceptHeader: "text/html,application/xhtml+xml", Language: "en-GB", ColorDepth: 24,
	ScreenHeight: 1080, ScreenWidth: 1920, TimeZoneOffset: -60,
	UserAgent: "Mozilla/5.0 (X11; Linux x86_64) quickstart", JavascriptEnabled: true,
}

// cardPayIn funds o's wallet: a card registered and tokenized, then a direct
// card pay-in whose 3DS2 challenge the payer passes.
func (t *tour) cardPayIn(ctx context.Context, o *owner) error {
	debited, fees := eur(payInAmount), eur(payInFees)
	t.next(fmt.Sprintf("Fund %s's wallet: a card pay-in of %s with a 3DS2 challenge", o.name, debited),
		"money entering Mangopay. The card is registered (its number goes from the payer's browser "+
			"to Mangopay's tokenizer, never through your server), then charged; its issuer asks the "+
			"payer to authenticate (3DS2) and the pay-in waits, CREATED, until they do.")
	t.p.call("c.CardRegistrations.Create", "POST /cardregistrations")
	reg, err := t.c.CardRegistrations.Create(ctx, &mangopay.CreateCardRegistrationRequest{UserID: o.id, Currency: "EUR"})
	if err != nil {
		return fmt.Errorf("registering %s's card: %w", o.name, err)
	}
	t.p.got("registration %s, Status %s, with a CardRegistrationURL on the tokenizer", reg.ID, reg.Status)
	card := testCard(time.Now())
	t.p.call("mangopaytest.Tokenize", "POST {CardRegistrationURL}  (what the payer's browser posts)")
	t.p.say("sandbox test card %s (always challenged), expiry %s, CVC %s", card.Number, card.Expiry, card.CVC)
	data, err := mangopaytest.Tokenize(ctx, &http.Client{Timeout: 30 * time.Second}, reg, card)
	if err != nil {
		return fmt.Errorf("tokenizing the test card: %w", err)
	}
	t.p.call("c.CardRegistrations.Update", "PUT /cardregistrations/{Id}  (RegistrationData)")
	reg, err = t.c.CardRegistrations.Update(ctx, reg.ID, &mangopay.CompleteCardRegistrationRequest{RegistrationData: data})
	if err != nil {
		return fmt.Errorf("completing the card registration: %w", err)
	}
	if reg.Status != mangopay.CardRegistrationValidated {
		return fmt.Errorf("card registration %s is %s (%s %s)", reg.ID, reg.Status, reg.ResultCode, reg.ResultMessage)
	}
	t.p.got("Status %s, card %s", reg.Status, reg.CardID)

	t.p.call("c.PayIns.CreateCardDirect", "POST /payins/card/direct  (SecureMode FORCE)")
	t.p.say("DebitedFunds %s charged to the card, Fees %s kept by the platform", debited, fees)
	p, err := t.c.PayIns.CreateCardDirect(ctx, &mangopay.CreateCardDirectPayInRequest{
		AuthorID: o.id, CreditedWalletID: o.walletID, DebitedFunds: debited, Fees: fees,
		CardID: reg.CardID, SecureMode: mangopay.SecureModeForce,
		SecureModeReturnURL: t.b.returnURL + "?payin=card",
		BrowserInfo:         browser, IPAddress: "192.0.2.10",
	})
	if p == nil {
		return fmt.Errorf("charging the card: %w", err)
	}
	t.p.got("pay-in %s, Status %s, SecureModeNeeded %t", p.ID, p.Status, p.SecureModeNeeded)
	label := "Card pay-in " + debited.String()
	how := "3DS2: frictionless"
	if err != nil {
		rd, ok := mangopay.AsRedirect(err)
		if !ok {
			return fmt.Errorf("charging the card: %w", err)
		}
		link, err := rd.RedirectURLWithReturn("")
		if err != nil {
			return err
		}
		t.p.got("*mangopay.PaymentRedirectError, caught by mangopay.AsRedirect as SCA demands are")
		t.p.link("payer's browser to the card issuer's 3DS2 challenge page", link, "token", 8, "")
		if err := t.b.passChallenge(ctx, t.p, link); err != nil {
			return fmt.Errorf("pay-in %s: %w", p.ID, err)
		}
		how = "3DS2 challenge: passed"
	}
	t.p.call("c.PayIns.Get", "GET /payins/{PayInId}")
	err = t.b.poll.wait(ctx, "pay-in "+p.ID, func(ctx context.Context) (bool, error) {
		got, err := t.c.PayIns.Get(ctx, p.ID)
		if err != nil {
			return false, err
		}
		p = got
		return p.Status != mangopay.PayInStatusCreated, nil
	})
	if err != nil {
		return err
	}
	t.p.got("Status %s, ResultCode %s: %s to %s's wallet (DebitedFunds - Fees)", p.Status, p.ResultCode, p.CreditedFunds, o.name)
	if p.Status != mangopay.PayInStatusSucceeded {
		return fmt.Errorf("pay-in %s is %s (%s %s)", p.ID, p.Status, p.ResultCode, p.ResultMessage)
	}
	result := string(p.Status)
	if t.awaitWebhook(ctx, mangopay.EventPayInNormalSucceeded, p.ID) {
		result += ", webhook received"
	}
	t.rows = append(t.rows, row{label, how, result})
	t.payIn = p
	return nil
}

// kycLevel reads o's KYCLevel (c.Users.Get).
func (t *tour) kycLevel(ctx context.Context, o *owner) (mangopay.KYCLevel, error) {
	u, err := t.c.Users.Get(ctx, o.id)
	if err != nil {
		return "", err
	}
	if n, ok := u.Natural(); ok {
		return n.KYCLevel, nil
	}
	if l, ok := u.Legal(); ok {
		return l.KYCLevel, nil
	}
	return "", fmt.Errorf("user %s is neither natural nor legal", o.id)
}

// verifyIdentity gets o verified (KYCLevel REGULAR) before the payout:
// Mangopay pays out for verified owners, through its hosted identity
// verification (docs/wire.md, "KYC / identity verification"). Against
// Mangopay a session that is refused, or not decided before the deadline,
// leaves o LIGHT: the payout then says what Mangopay answered.
func (t *tour) verifyIdentity(ctx context.Context, o *owner) error {
	t.next(fmt.Sprintf("Verify %s's identity (KYC) before the payout", o.name),
		"identity verification. A new OWNER is KYCLevel LIGHT; paying out needs REGULAR. On "+
			"Mangopay's hosted page the user photographs their ID and takes a selfie; Mangopay "+
			"checks them and the IDV session ends VALIDATED (the user is REGULAR) or REFUSED.")
	label := fmt.Sprintf("Verify %s's identity (KYC)", o.name)
	t.p.call("c.Users.Get", "GET /sca/users/{UserId}")
	level, err := t.kycLevel(ctx, o)
	if err != nil {
		return fmt.Errorf("reading %s's KYC level: %w", o.name, err)
	}
	t.p.got("KYCLevel %s", level)
	if level == mangopay.KYCLevelRegular {
		t.rows = append(t.rows, row{label, "none", string(level)})
		return nil
	}
	t.p.call("c.IdentityVerifications.Create", "POST /users/{UserId}/identity-verifications  (ReturnUrl)")
	v, err := t.c.IdentityVerifications.Create(ctx, o.id, &mangopay.CreateIdentityVerificationRequest{
		ReturnURL: t.b.returnURL + "?kyc=" + o.id,
	})
	rd, isRedirect := mangopay.AsRedirect(err)
	if v == nil || (err != nil && !isRedirect) {
		var apiErr *mangopay.APIError
		if t.b.ctl == nil && errors.As(err, &apiErr) {
			// e.g. hosted verification not activated for this platform
			t.p.refused("%d %s: %s", apiErr.StatusCode, apiErr.Type, apiErr.Message)
			t.p.say("%s stays KYCLevel LIGHT: the payout below may be refused", o.name)
			t.rows = append(t.rows, row{label, "hosted IDV: not started", string(level)})
			return nil
		}
		return fmt.Errorf("starting %s's identity verification: %w", o.name, err)
	}
	t.p.got("IDV session %s, Status %s", v.ID, v.Status)
	if isRedirect {
		link, err := rd.RedirectURLWithReturn("")
		if err != nil {
			return err
		}
		t.p.got("*mangopay.IdentityVerificationRedirectError, caught by mangopay.AsRedirect as SCA demands are")
		t.p.link("user's browser to Mangopay's hosted identity verification page", link, "sessionId", 9, "redirectURL")
		if err := t.b.passVerification(ctx, t.p, link); err != nil {
			return fmt.Errorf("IDV session %s: %w", v.ID, err)
		}
	}
	t.p.call("c.IdentityVerifications.Get", "GET /identity-verifications/{IdvSessionId}, then c.Users.Get")
	err = t.b.poll.wait(ctx, "IDV session "+v.ID, func(ctx context.Context) (bool, error) {
		got, err := t.c.IdentityVerifications.Get(ctx, v.ID)
		if err != nil {
			return false, err
		}
		v = got
		if v.Status != mangopay.IdentityVerificationValidated {
			return v.Status.Final(), nil
		}
		level, err = t.kycLevel(ctx, o)
		return level == mangopay.KYCLevelRegular, err
	})
	switch {
	case errors.Is(err, errGaveUp) && t.b.ctl == nil:
		t.p.say("still %s: Mangopay has not decided yet; the payout below may be refused until %s is "+
			"REGULAR (IDENTITY_VERIFICATION_VALIDATED, or c.IdentityVerifications.Get on %s)", v.Status, o.name, v.ID)
		t.rows = append(t.rows, row{label, "hosted IDV: undecided", string(v.Status)})
		return nil
	case err != nil:
		return err
	}
	if v.Status != mangopay.IdentityVerificationValidated {
		t.p.refused("Status %s: %s stays KYCLevel %s", v.Status, o.name, level)
		if t.b.ctl != nil { // the emulator's user always passes
			return fmt.Errorf("IDV session %s is %s", v.ID, v.Status)
		}
		t.rows = append(t.rows, row{label, "hosted IDV: " + strings.ToLower(string(v.Status)), string(level)})
		return nil
	}
	t.p.got("Status %s, %d check(s) passed; %s is now KYCLevel %s", v.Status, len(v.Checks), o.name, level)
	result := string(level)
	if t.awaitWebhook(ctx, mangopay.EventIdentityVerificationValidated, v.ID) {
		result += ", webhook received"
	}
	t.rows = append(t.rows, row{label, "hosted IDV: approved", result})
	return nil
}

// payOut pays payoutAmount from o's wallet to the recipient registered
// with SCA, and waits for the bank wire.
func (t *tour) payOut(ctx context.Context, o *owner) error {
	amount := eur(payoutAmount)
	if t.payoutAmount != 0 {
		amount = eur(t.payoutAmount)
	}
	t.next(fmt.Sprintf("Pay %s out of %s's wallet to the recipient", amount, o.name),
		"money leaving Mangopay, with no SCA: registering the recipient took SCA, which makes it "+
			"a trusted beneficiary. The payout is CREATED with the wallet debited at once, and "+
			"SUCCEEDED once the bank wire is sent.")
	t.p.call("c.Payouts.Create", "POST /payouts/bankwire  (RecipientId, mode STANDARD)")
	po, err := t.c.Payouts.Create(ctx, &mangopay.CreatePayoutRequest{
		AuthorID: o.id, DebitedWalletID: o.walletID, DebitedFunds: amount, Fees: eur(0),
		RecipientID: t.recipient.ID, BankWireRef: "QUICKSTART",
	})
	if err != nil {
		return fmt.Errorf("paying out: %w", err)
	}
	t.payout = po
	label := "Payout " + amount.String()
	t.p.got("payout %s, Status %s", po.ID, po.Status)
	if po.Status == mangopay.PayoutStatusCreated {
		if t.b.ctl != nil {
			if err := t.b.ctl.advance(ctx, mangopaytest.StandardPayoutDelay); err != nil {
				return err
			}
			t.p.ok("%s later the bank wire has left (emulator: %s)", mangopaytest.StandardPayoutDelay, t.b.ctl.advanceVia)
		} else {
			t.p.say("Mangopay sends the wire; the quickstart asks every %s for up to %s", t.b.poll.every, t.b.poll.deadline)
		}
		t.p.call("c.Payouts.Get", "GET /payouts/bankwire/{PayoutId}")
		err := t.b.poll.wait(ctx, "payout "+po.ID, func(ctx context.Context) (bool, error) {
			got, err := t.c.Payouts.Get(ctx, po.ID)
			if err != nil {
				return false, err
			}
			po = got
			return po.Status != mangopay.PayoutStatusCreated, nil
		})
		t.payout = po
		switch {
		case errors.Is(err, errGaveUp) && t.b.ctl == nil:
			t.p.say("still CREATED: the money has left the wallet; Mangopay reports the outcome later "+
				"(PAYOUT_NORMAL_SUCCEEDED or _FAILED, or c.Payouts.Get on %s)", po.ID)
			t.rows = append(t.rows, row{label, "none (trusted beneficiary)", "CREATED"})
			return nil
		case err != nil:
			return err
		}
	}
	t.p.got("Status %s, ResultCode %s, ModeApplied %s", po.Status, po.ResultCode, po.ModeApplied)
	if po.Status == mangopay.PayoutStatusFailed {
		if t.b.ctl != nil { // the story's payout is within every emulator rule
			return fmt.Errorf("payout %s is FAILED (%s %s)", po.ID, po.ResultCode, po.ResultMessage)
		}
		t.p.refused("FAILED %s (%s): nothing left the wallet", po.ResultCode, po.ResultMessage)
		switch po.ResultCode {
		case mangopay.ResultCodeKYCLimit, mangopay.ResultCodeKYCLimitDebitedUser:
			// Mangopay's sandbox pays out for verified owners
			// (docs.mangopay.com/testing/payouts, guides/users/limits).
			t.p.say("%s is not KYC-verified (KYCLevel LIGHT) and this platform's limits need a verified "+
				"owner to pay out: the identity verification above did not end VALIDATED", o.name)
		}
		t.rows = append(t.rows, row{label, "none (trusted beneficiary)", "FAILED " + po.ResultCode})
		return nil
	}
	result := string(po.Status)
	if t.awaitWebhook(ctx, mangopay.EventPayoutNormalSucceeded, po.ID) {
		result += ", webhook received"
	}
	t.rows = append(t.rows, row{label, "none (trusted beneficiary)", result})
	return nil
}

// refundTransfer gives tr back in full: the money returns from to's wallet
// to author's.
func (t *tour) refundTransfer(ctx context.Context, tr *mangopay.Transfer, author, to *owner) error {
	t.next(fmt.Sprintf("Refund the %s transfer from %s to %s", tr.DebitedFunds, author.name, to.name),
		"a refund: the money goes back from the credited wallet to the debited one, in full "+
			"(or in part, with DebitedFunds and Fees), without SCA.")
	t.p.call("c.Refunds.CreateForTransfer", "POST /transfers/{TransferId}/refunds  (in full)")
	r, err := t.c.Refunds.CreateForTransfer(ctx, tr.ID, &mangopay.CreateRefundRequest{AuthorID: author.id})
	if err != nil {
		return fmt.Errorf("refunding transfer %s: %w", tr.ID, err)
	}
	t.p.got("refund %s of transfer %s, Status %s", r.ID, r.InitialTransactionID, r.Status)
	if r.Status == mangopay.RefundStatusCreated {
		t.p.call("c.Refunds.Get", "GET /refunds/{RefundId}")
		err := t.b.poll.wait(ctx, "refund "+r.ID, func(ctx context.Context) (bool, error) {
			got, err := t.c.Refunds.Get(ctx, r.ID)
			if err != nil {
				return false, err
			}
			r = got
			return r.Status != mangopay.RefundStatusCreated, nil
		})
		if err != nil {
			return err
		}
	}
	if r.Status != mangopay.RefundStatusSucceeded {
		return fmt.Errorf("refund %s is %s (%s %s)", r.ID, r.Status, r.ResultCode, r.ResultMessage)
	}
	t.p.got("Status %s, ResultCode %s: %s back from %s's wallet to %s's", r.Status, r.ResultCode, r.CreditedFunds, to.name, author.name)
	result := string(r.Status)
	if t.awaitWebhook(ctx, mangopay.EventTransferRefundSucceeded, r.ID) {
		result += ", webhook received"
	}
	t.rows = append(t.rows, row{"Refund the " + tr.DebitedFunds.String() + " transfer", "none", result})
	return nil
}

// reconcile reads every balance back and checks that no money appeared or
// vanished: the wallets, the fees and what was paid out add up to what was
// paid in.
func (t *tour) reconcile(ctx context.Context) error {
	t.p.printf("\nMoney, reconciled\n")
	t.p.para("Every figure is read back through the SDK: the wallets (c.Wallets.Get, no SCA within " +
		"180 days), the pay-in (c.PayIns.Get) and the payout (c.Payouts.Get). Money enters by pay-ins " +
		"and leaves by payouts; transfers and refunds only move it between wallets; the platform's " +
		"fees go to its fees wallet.")
	t.p.printf("\n")
	var paidIn, fees, paidOut, total int64
	var lines [][3]string
	line := func(kind, what string, m mangopay.Money) { lines = append(lines, [3]string{kind, what, m.String()}) }
	p, err := t.c.PayIns.Get(ctx, t.payIn.ID)
	if err != nil {
		return fmt.Errorf("reading pay-in %s: %w", t.payIn.ID, err)
	}
	if p.Status == mangopay.PayInStatusSucceeded {
		paidIn, fees = p.DebitedFunds.Amount, p.Fees.Amount
	}
	line("paid in", fmt.Sprintf("card pay-in %s, %s", p.ID, p.Status), eur(paidIn))
	for _, o := range []*owner{t.alex, t.sam} {
		w, err := t.c.Wallets.Get(ctx, o.walletID, mangopay.ScaUserPresent)
		if err != nil {
			return fmt.Errorf("reading %s's wallet: %w", o.name, err)
		}
		total += w.Balance.Amount
		line("wallet", fmt.Sprintf("%s's, %s", o.name, w.ID), w.Balance)
	}
	line("fees", "the pay-in's Fees, in the platform's fees wallet", eur(fees))
	if t.payout != nil {
		po, err := t.c.Payouts.Get(ctx, t.payout.ID)
		if err != nil {
			return fmt.Errorf("reading payout %s: %w", t.payout.ID, err)
		}
		if po.Status != mangopay.PayoutStatusFailed { // CREATED has left the wallet already
			paidOut = po.DebitedFunds.Amount
		}
		line("paid out", fmt.Sprintf("payout %s, %s", po.ID, po.Status), eur(paidOut))
	}
	wide := 0
	for _, l := range lines {
		wide = max(wide, utf8.RuneCountInString(l[1]))
	}
	for _, l := range lines {
		t.p.printf("   %-9s %-*s %12s\n", l[0], wide, l[1], l[2])
	}
	sum := total + fees + paidOut
	msg := fmt.Sprintf("wallets %s + fees %s + paid out %s = %s", eur(total), eur(fees), eur(paidOut), eur(sum))
	if sum != paidIn {
		t.p.refused("%s, but paid in %s", msg, eur(paidIn))
		return fmt.Errorf("the balances do not reconcile: %s, paid in %s", msg, eur(paidIn))
	}
	t.p.ok("%s = paid in", msg)
	return nil
}
