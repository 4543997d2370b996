'use strict';
// Drives a running mangopay-sandbox through Mangopay's official Node.js SDK
// (mangopay4-nodejs-sdk, pinned in package-lock.json). Everything goes
// through the SDK's public API except the emulator's own test controls under
// /_sandbox/, which no SDK knows about, and what the payer's browser does:
// the card tokenization POST to CardRegistrationURL and the payment pages.
//
//   MANGOPAY_SANDBOX_URL=http://127.0.0.1:8089 MANGOPAY_CLIENT_ID=demo \
//   MANGOPAY_API_KEY=demo-key node --test interop.test.js
//
// interop/node/run.sh starts the sandbox (with -proxy) and runs this file.
// The tests run in order and share state: each step builds on the last.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const crypto = require('node:crypto');

const Mangopay = require('mangopay4-nodejs-sdk');
const SDK_VERSION = require('mangopay4-nodejs-sdk/package.json').version;
// The SDK sends every request through the axios module it depends on; a
// response interceptor on that same module records what went over the wire
// (request headers as sent, response status and headers) without changing it.
const axios = require(require.resolve('axios', { paths: [require.resolve('mangopay4-nodejs-sdk')] }));

const BASE = (process.env.MANGOPAY_SANDBOX_URL || '').replace(/\/+$/, '');
const CLIENT_ID = process.env.MANGOPAY_CLIENT_ID || 'demo';
const API_KEY = process.env.MANGOPAY_API_KEY || 'demo-key';
if (!BASE) {
  throw new Error('MANGOPAY_SANDBOX_URL must be the base URL of a running mangopay-sandbox');
}

// ---- wire tap ----

const wire = [];
axios.interceptors.response.use(
  (res) => { record(res); return res; },
  (err) => { if (err.response) record(err.response); return Promise.reject(err); },
);
function record(res) {
  const h = res.config.headers || {};
  wire.push({
    method: String(res.config.method).toUpperCase(),
    url: new URL(res.config.url, res.config.baseURL || BASE).pathname,
    params: res.config.params,
    reqHeaders: typeof h.toJSON === 'function' ? h.toJSON() : { ...h },
    body: res.config.data, // the request body as sent (a string)
    status: res.status,
    headers: res.headers,
  });
}
const lastWire = () => wire[wire.length - 1];
// sentJSON is the JSON body of the last request.
const sentJSON = () => JSON.parse(lastWire().body);

// ---- the emulator's own controls (raw HTTP: no SDK has them) ----

async function control(path, body) {
  const res = await fetch(BASE + '/_sandbox/' + path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `POST /_sandbox/${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}
const completeSca = (redirectUrl, outcome = 'VALIDATED') =>
  control('sca/complete', { RedirectUrl: redirectUrl, Outcome: outcome });
const credit = (walletId, amount) => control(`wallets/${encodeURIComponent(walletId)}/credit`, { Amount: amount });
const advanceClock = (seconds) => control('clock/advance', { Seconds: seconds });

// ---- helpers ----

const sdkErrors = [];
function newApi(apiKey) {
  return new Mangopay({
    clientId: CLIENT_ID,
    clientApiKey: apiKey,
    baseUrl: BASE,
    // The default handler console.errors every failed call; keep them for asserts.
    errorHandler: (message, data) => sdkErrors.push({ message, data }),
  });
}

// rejection awaits p and returns what the SDK rejected it with.
async function rejection(p) {
  try {
    const v = await p;
    assert.fail('expected the SDK call to fail, it resolved with ' + JSON.stringify(v));
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    return e;
  }
}

const linkPattern = new RegExp('^' + BASE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '/sca/\\?token=sca_[0-9a-f]+$');
function assertLink(url, what) {
  assert.match(url, linkPattern, `${what}: RedirectUrl should be an SCA link of this sandbox`);
}

const eur = (amount) => ({ Currency: 'EUR', Amount: amount });
const address = { AddressLine1: '1 rue de Rivoli', City: 'Paris', PostalCode: '75001', Country: 'FR' };
function naturalOwner(first, email) {
  return {
    NaturalSca: true, // the SDK's switch to the /sca/users/natural route; not sent
    PersonType: 'NATURAL',
    UserCategory: 'OWNER',
    FirstName: first,
    LastName: 'Interop',
    Email: email,
    Birthday: 188352000,
    Nationality: 'FR',
    CountryOfResidence: 'FR',
    PhoneNumber: '+33611111111',
    PhoneNumberCountry: 'FR',
    Address: { ...address },
    TermsAndConditionsAccepted: true,
    ScaContext: 'USER_PRESENT',
  };
}

// ---- shared state across the ordered steps ----

let api;
const s = {};
// needs names the state a step builds on, so that a step after a failed one
// says so instead of failing on an undefined.
function needs(...names) {
  if (!api) throw new Error('an earlier step failed: no authorized SDK client');
  for (const n of names) {
    if (!s[n]) throw new Error(`an earlier step failed: no ${n}`);
  }
}

// A local webhook receiver on loopback.
const hookHits = [];
const hookServer = http.createServer((req, res) => {
  hookHits.push({ method: req.method, url: new URL(req.url, 'http://x') });
  res.writeHead(200, { Connection: 'close' }).end();
});
before(() => new Promise((resolve) => hookServer.listen(0, '127.0.0.1', resolve)));
after(() => new Promise((resolve) => {
  hookServer.close(resolve);
  hookServer.closeAllConnections();
}));

// ---- 1. OAuth ----

test('1. OAuth: a wrong API key fails clearly; the right one gets a bearer token', async () => {
  // The SDK keeps its headers (the bearer token included) on its prototype, so
  // every instance shares them: the failing instance comes first, before any
  // instance holds a token it would silently reuse.
  const bad = newApi('not-the-key');
  const e = await rejection(bad.Users.getSca('user_m_nope'));
  assert.equal(e.error, 'invalid_client');
  assert.match(e.error_description, /wrong API key/);
  let w = lastWire();
  assert.equal(w.method, 'POST');
  assert.equal(w.url, '/v2.01/oauth/token');
  assert.equal(w.status, 401);
  assert.equal(w.reqHeaders.Authorization, 'Basic ' + Buffer.from(CLIENT_ID + ':not-the-key').toString('base64'));
  assert.equal(w.reqHeaders['Content-Type'], 'application/x-www-form-urlencoded');
  assert.equal(w.headers['www-authenticate'], 'Basic realm="mangopay"');

  api = newApi(API_KEY);
  const token = await api.authorize();
  assert.equal(token.token_type, 'bearer');
  assert.match(token.access_token, /^[0-9a-f]{32}$/);
  assert.equal(token.expires_in, 1200);
  w = lastWire();
  assert.equal(w.status, 200);
  assert.match(w.headers['content-type'], /^application\/json/);
  // The SDK sends "bearer <token>" as Mangopay spells token_type.
  assert.equal(api.requestOptions.headers.Authorization, 'bearer ' + token.access_token);
  const ua = api.requestOptions.headers['User-Agent'];
  assert.equal(ua, `Mangopay-SDK/${SDK_VERSION} (Nodejs/${process.version})`);
  assert.equal(w.reqHeaders['User-Agent'], ua);
});

// ---- 2. an OWNER through the SCA endpoint ----

test('2. natural OWNER via POST /sca/users/natural: PENDING_USER_ACTION, session, ACTIVE', async () => {
  needs();
  const alice = await api.Users.create(naturalOwner('Alice', 'alice@example.com'));
  const w = lastWire();
  assert.equal(w.method, 'POST');
  assert.equal(w.url, `/v2.01/${CLIENT_ID}/sca/users/natural`);
  assert.equal(w.reqHeaders['User-Agent'], api.requestOptions.headers['User-Agent']);
  assert.match(w.reqHeaders.Authorization, /^bearer [0-9a-f]{32}$/);
  assert.match(w.headers['content-type'], /^application\/json/);
  assert.match(alice.Id, /^user_m_/);
  assert.equal(alice.PersonType, 'NATURAL');
  assert.equal(alice.UserCategory, 'OWNER');
  assert.equal(alice.UserStatus, 'PENDING_USER_ACTION');
  assert.equal(alice.TermsAndConditionsAccepted, true);
  assert.equal(alice.PhoneNumber, '+33611111111');
  assert.equal(alice.Address.City, 'Paris');
  assert.equal('ScaContext' in alice, false, 'ScaContext is never returned on users');
  assertLink(alice.PendingUserAction.RedirectUrl, 'create OWNER');

  const done = await completeSca(alice.PendingUserAction.RedirectUrl);
  assert.equal(done.Status, 'VALIDATED');
  assert.equal(done.UserId, alice.Id);

  const got = await api.Users.getSca(alice.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/sca/users/${alice.Id}`);
  assert.equal(got.Id, alice.Id);
  assert.equal(got.UserStatus, 'ACTIVE');
  assert.equal(got.PendingUserAction, null);
  const natural = await api.Users.getNaturalSca(alice.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/sca/users/natural/${alice.Id}`);
  assert.equal(natural.FirstName, 'Alice');
  assert.equal(natural.UserStatus, 'ACTIVE');
  s.alice = natural;

  // The SDK's own save pattern: change a field on the fetched model and send
  // the whole model back (every non read-only field, nulls included).
  natural.LastName = 'Interop-Changed';
  natural.TermsAndConditionsAccepted = true;
  const saved = await api.Users.updateSca(natural);
  assert.equal(lastWire().method, 'PUT');
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/sca/users/natural/${alice.Id}`);
  assert.equal(saved.LastName, 'Interop-Changed');
  assert.equal(saved.UserStatus, 'ACTIVE', 'a name change does not re-enroll');

  // An e-mail change on an OWNER re-enrolls.
  const reenroll = await api.Users.updateSca({
    NaturalSca: true, Id: alice.Id, Email: 'alice.new@example.com', TermsAndConditionsAccepted: true, ScaContext: 'USER_PRESENT',
  });
  assert.equal(reenroll.Email, 'alice.new@example.com');
  assert.equal(reenroll.UserStatus, 'PENDING_USER_ACTION');
  assertLink(reenroll.PendingUserAction.RedirectUrl, 're-enroll');
  await completeSca(reenroll.PendingUserAction.RedirectUrl);
  assert.equal((await api.Users.getSca(alice.Id)).UserStatus, 'ACTIVE');

  // Bob is built as the SDK's own tests build users: a UserNaturalSca model
  // with an Address model (and Birthplace, which the API does not document).
  const UserNaturalSca = require('mangopay4-nodejs-sdk/lib/models/UserNaturalSca');
  const Address = require('mangopay4-nodejs-sdk/lib/models/Address');
  const bob = await api.Users.create(new UserNaturalSca({
    FirstName: 'Bob', LastName: 'Interop', Email: 'bob@example.com',
    Address: new Address({ ...address, AddressLine2: 'Address line 2', Region: 'Ile-de-France' }),
    Birthday: 188301600, Birthplace: 'FR', Nationality: 'FR', CountryOfResidence: 'FR',
    Occupation: 'programmer', IncomeRange: 3, TermsAndConditionsAccepted: true, UserCategory: 'OWNER',
    PhoneNumber: '+33611111111', PhoneNumberCountry: 'FR',
  }));
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/sca/users/natural`);
  assert.equal(bob.PersonType, 'NATURAL');
  assert.equal(bob.IncomeRange, 3);
  assert.equal(bob.Occupation, 'programmer');
  assert.equal(bob.Address.Region, 'Ile-de-France');
  assert.equal(bob.UserStatus, 'PENDING_USER_ACTION');
  await completeSca(bob.PendingUserAction.RedirectUrl);
  s.bob = await api.Users.getSca(bob.Id);
  assert.equal(s.bob.UserStatus, 'ACTIVE');
});

// ---- 2b. legal users, built with the SDK's own model classes ----

test('2b. legal OWNER and PAYER via the SDK models (UserLegalSca, CategorizeUserLegal)', async () => {
  needs();
  // The SDK's models are not on api.models; its own tests require them from
  // lib/models. A model is serialized by the SDK itself (read-only fields
  // such as PersonType dropped, nested models flattened).
  const UserLegalSca = require('mangopay4-nodejs-sdk/lib/models/UserLegalSca');
  const CategorizeUserLegal = require('mangopay4-nodejs-sdk/lib/models/CategorizeUserLegal');
  const Address = require('mangopay4-nodejs-sdk/lib/models/Address');
  const hq = () => new Address({
    AddressLine1: '4101 Reservoir Rd NW', AddressLine2: 'address line 2', City: 'Washington',
    Region: 'District of Columbia', PostalCode: '20007', Country: 'US',
  });
  const rep = {
    FirstName: 'John', LastName: 'Legal', Email: 'john.legal@example.com', Birthday: 188301600,
    Nationality: 'FR', CountryOfResidence: 'FR', PhoneNumber: '+33611111111', PhoneNumberCountry: 'FR',
  };
  const owner = await api.Users.create(new UserLegalSca({
    Name: 'Interop Owner Ltd', Email: 'owner.ltd@example.com', LegalPersonType: 'BUSINESS',
    HeadquartersAddress: hq(), LegalRepresentativeAddress: hq(), LegalRepresentative: { ...rep },
    CompanyNumber: '123456789', TermsAndConditionsAccepted: true, UserCategory: 'OWNER',
  }));
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/sca/users/legal`);
  assert.equal(owner.PersonType, 'LEGAL');
  assert.equal(owner.UserCategory, 'OWNER');
  assert.equal(owner.UserStatus, 'PENDING_USER_ACTION');
  assert.equal(owner.HeadquartersAddress.Region, 'District of Columbia');
  assert.equal(owner.LegalRepresentative.Email, 'john.legal@example.com');
  assertLink(owner.PendingUserAction.RedirectUrl, 'create legal OWNER');
  await completeSca(owner.PendingUserAction.RedirectUrl);
  const ownerNow = await api.Users.getLegalSca(owner.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/sca/users/legal/${owner.Id}`);
  assert.equal(ownerNow.UserStatus, 'ACTIVE');
  assert.equal(ownerNow.Name, 'Interop Owner Ltd');

  const payer = await api.Users.create(new UserLegalSca({
    Name: 'Interop Payer Ltd', Email: 'payer.ltd@example.com', LegalPersonType: 'BUSINESS',
    LegalRepresentative: { ...rep }, LegalRepresentativeAddress: hq(),
    TermsAndConditionsAccepted: true, UserCategory: 'PAYER',
  }));
  assert.equal(payer.UserCategory, 'PAYER');
  assert.equal(payer.UserStatus, 'ACTIVE');
  assert.equal(payer.PendingUserAction, null);
  // A PAYER's headquarters address comes back with every field null.
  assert.deepEqual({ ...payer.HeadquartersAddress }, {
    AddressLine1: null, AddressLine2: null, City: null, Region: null, PostalCode: null, Country: null,
  });

  const cat = await api.Users.categorize(new CategorizeUserLegal({
    Id: payer.Id, UserCategory: 'OWNER', TermsAndConditionsAccepted: true,
    LegalRepresentative: { ...rep }, HeadquartersAddress: hq(), CompanyNumber: '123456789',
  }));
  assert.equal(lastWire().method, 'PUT');
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/sca/users/legal/${payer.Id}/category`);
  assert.equal(cat.UserCategory, 'OWNER');
  assert.equal(cat.UserStatus, 'PENDING_USER_ACTION');
  assert.equal(cat.HeadquartersAddress.City, 'Washington');
  assertLink(cat.PendingUserAction.RedirectUrl, 'categorize legal');
  await completeSca(cat.PendingUserAction.RedirectUrl, 'FAILED');
  const declined = await api.Users.getSca(payer.Id);
  assert.equal(declined.UserStatus, 'PENDING_USER_ACTION', 'a failed enrollment leaves the user pending');

  // The fetched model saved back whole through PUT /sca/users/legal/{id}.
  ownerNow.Name = 'Interop Owner Ltd (renamed)';
  ownerNow.TermsAndConditionsAccepted = true;
  const renamed = await api.Users.updateSca(ownerNow);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/sca/users/legal/${owner.Id}`);
  assert.equal(renamed.Name, 'Interop Owner Ltd (renamed)');
  assert.equal(renamed.UserStatus, 'ACTIVE');
});

// ---- 3. a PAYER, categorized to OWNER, enrolled, consent ----

test('3. PAYER: no session; enroll refused (error shape); categorize, enroll, consent, sca-status', async () => {
  needs();
  const carol = await api.Users.create({
    NaturalSca: true, PersonType: 'NATURAL', UserCategory: 'PAYER',
    FirstName: 'Carol', LastName: 'Payer', Email: 'carol@example.com', TermsAndConditionsAccepted: false,
  });
  assert.equal(carol.UserCategory, 'PAYER');
  assert.equal(carol.UserStatus, 'ACTIVE');
  assert.equal(carol.PendingUserAction, null);
  assert.equal(carol.Birthday, null);
  assert.equal(carol.TermsAndConditionsAcceptedDate, null);

  // 8. the error shape as the SDK parses it: the rejection is the JSON body.
  const before = sdkErrors.length;
  const e = await rejection(api.Users.enroll(carol.Id));
  assert.equal(lastWire().method, 'POST');
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/sca/users/${carol.Id}/enrollment`);
  assert.equal(lastWire().status, 400);
  assert.equal(e.Type, 'not_allowed_for_user_category_payer');
  assert.equal(e.Message, 'This endpoint is not allowed for User categorized as PAYER');
  assert.match(e.Id, /\S/);
  assert.equal(typeof e.Date, 'number');
  assert.equal(e.errors, null);
  assert.equal(sdkErrors.length, before + 1, 'the SDK passes the failure to its errorHandler');
  assert.equal(sdkErrors[before].message, 'Request failed with status code 400');
  assert.equal(sdkErrors[before].data.Type, 'not_allowed_for_user_category_payer');
  // With resolveWithFullResponse the SDK rejects with the whole response.
  const full = await rejection(api.Users.enroll(carol.Id, { resolveWithFullResponse: true }));
  assert.equal(full.status, 400);
  assert.equal(full.body.Type, 'not_allowed_for_user_category_payer');

  const cat = await api.Users.categorize({
    NaturalSca: true, Id: carol.Id, UserCategory: 'OWNER', TermsAndConditionsAccepted: true,
    Birthday: 188352000, Nationality: 'FR', CountryOfResidence: 'FR',
    PhoneNumber: '+33611111111', PhoneNumberCountry: 'FR', ScaContext: 'USER_PRESENT',
  });
  assert.equal(lastWire().method, 'PUT');
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/sca/users/natural/${carol.Id}/category`);
  assert.equal(cat.UserCategory, 'OWNER');
  assert.equal(cat.UserStatus, 'PENDING_USER_ACTION');
  assert.equal(cat.TermsAndConditionsAccepted, true);
  assert.equal(typeof cat.TermsAndConditionsAcceptedDate, 'number');
  assertLink(cat.PendingUserAction.RedirectUrl, 'categorize');
  await completeSca(cat.PendingUserAction.RedirectUrl);
  assert.equal((await api.Users.getSca(carol.Id)).UserStatus, 'ACTIVE');

  // Categorizing an OWNER again is refused.
  const again = await rejection(api.Users.categorize({
    NaturalSca: true, Id: carol.Id, UserCategory: 'OWNER', TermsAndConditionsAccepted: true,
    Birthday: 188352000, Nationality: 'FR', CountryOfResidence: 'FR',
  }));
  assert.equal(again.Type, 'not_allowed_for_user_category_owner');

  // Enroll always gives a fresh session.
  const enr = await api.Users.enroll(carol.Id);
  assertLink(enr.PendingUserAction.RedirectUrl, 'enroll');
  assert.notEqual(enr.PendingUserAction.RedirectUrl, cat.PendingUserAction.RedirectUrl);
  assert.equal((await completeSca(enr.PendingUserAction.RedirectUrl)).Status, 'VALIDATED');

  // Consent (the sandbox runs with -proxy): a session, then sca-status shows it.
  const consent = await api.Users.manageConsent(carol.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/sca/users/${carol.Id}/consent`);
  assertLink(consent.PendingUserAction.RedirectUrl, 'consent');
  await completeSca(consent.PendingUserAction.RedirectUrl);
  const status = await api.Users.getScaStatus(carol.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/sca/users/${carol.Id}/sca-status`);
  assert.equal(status.UserStatus, 'ACTIVE');
  assert.equal(status.IsEnrolled, true);
  assert.equal(typeof status.LastEnrollmentDate, 'number');
  assert.equal(typeof status.LastConsentCollectionDate, 'number');
  for (const scope of ['ContactInformationUpdate', 'RecipientRegistration', 'Transfer', 'ViewAccountInformation']) {
    assert.equal(typeof status.ConsentScope[scope], 'string', `ConsentScope.${scope}`);
  }
  s.carol = carol;
});

// ---- 4. wallets and the 401 + WWW-Authenticate ----

test('4. wallets: create, credit, USER_PRESENT read → 401 WWW-Authenticate, complete, balance', async () => {
  needs('alice', 'bob', 'carol');
  const wallet = await api.Wallets.create({ Owners: [s.alice.Id], Description: 'Alice EUR', Currency: 'EUR' });
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/wallets`);
  assert.match(wallet.Id, /^wlt_m_/);
  assert.deepEqual(wallet.Owners, [s.alice.Id]);
  assert.deepEqual({ ...wallet.Balance }, eur(0));
  assert.equal(wallet.Currency, 'EUR');
  const credited = await credit(wallet.Id, 100000);
  assert.equal(credited.Balance.Amount, 100000);

  // What the official SDK exposes for the SCA 401: by default only the (empty)
  // body; with resolveWithFullResponse the response, whose headers carry it.
  const bare = await rejection(api.Wallets.get(wallet.Id, { parameters: { ScaContext: 'USER_PRESENT' } }));
  assert.equal(bare, '');
  const e = await rejection(api.Wallets.get(wallet.Id, {
    parameters: { ScaContext: 'USER_PRESENT' }, resolveWithFullResponse: true,
  }));
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/wallets/${wallet.Id}`);
  assert.deepEqual(lastWire().params, { ScaContext: 'USER_PRESENT' });
  assert.equal(e.status, 401);
  assert.equal(e.body, '');
  assert.match(e.headers['www-authenticate'], /^PendingUserAction RedirectUrl=\S+$/);
  const link = e.headers['www-authenticate'].match(/RedirectUrl=(\S+)/)[1];
  assertLink(link, 'wallet access');

  // The transactions read, called the way the SDK's own tests do (options
  // flattened into the query, resolveWithFullResponse included).
  const te = await rejection(api.Wallets.getTransactions(wallet.Id, () => {}, {
    page: 1, per_page: 50, ScaContext: 'USER_PRESENT', resolveWithFullResponse: true,
  }));
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/wallets/${wallet.Id}/transactions`);
  assert.equal(te.status, 401);
  assert.match(te.headers['www-authenticate'], /^PendingUserAction RedirectUrl=/);

  const uw = await rejection(api.Users.getWallets(s.alice.Id, () => {}, { ScaContext: 'USER_PRESENT', resolveWithFullResponse: true }));
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/users/${s.alice.Id}/wallets`);
  assert.equal(uw.status, 401);
  assert.match(uw.headers['www-authenticate'], /^PendingUserAction RedirectUrl=/);
  const ut = await rejection(api.Users.getTransactions(s.alice.Id, () => {}, { ScaContext: 'USER_PRESENT', resolveWithFullResponse: true }));
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/users/${s.alice.Id}/transactions`);
  assert.equal(ut.status, 401);

  assert.equal((await completeSca(link)).Kind, 'WALLET_ACCESS');
  // One wallet-access SCA opens all four reads.
  const mine = await api.Users.getWallets(s.alice.Id, () => {}, { ScaContext: 'USER_PRESENT' });
  assert.deepEqual(mine.map((x) => x.Id), [wallet.Id]);
  assert.equal(mine[0].Balance.Amount, 100000);
  assert.ok(Array.isArray(await api.Users.getTransactions(s.alice.Id, () => {}, { ScaContext: 'USER_PRESENT' })));
  const seen = await api.Wallets.get(wallet.Id, { parameters: { ScaContext: 'USER_PRESENT' } });
  assert.equal(seen.Id, wallet.Id);
  assert.equal(seen.Balance.Amount, 100000);
  assert.equal(seen.Balance.Currency, 'EUR');
  const txs = await api.Wallets.getTransactions(wallet.Id, () => {}, { page: 1, per_page: 50, ScaContext: 'USER_PRESENT' });
  assert.ok(Array.isArray(txs));
  // Rate limits: the SDK parsed the X-RateLimit headers into its four windows.
  assert.equal(api.rateLimits.length, 4);
  for (const rl of api.rateLimits) {
    assert.ok(rl.callsMade > 0 && rl.callsRemaining > 0 && rl.resetTimeMillis > 0, JSON.stringify(rl));
  }

  // The SDK's update sends the fetched model back whole.
  seen.Description = 'Alice main EUR';
  const upd = await api.Wallets.update(seen);
  assert.equal(lastWire().method, 'PUT');
  assert.equal(upd.Description, 'Alice main EUR');
  assert.equal(upd.Balance.Amount, 100000);

  // A PAYER-turned-OWNER who consented: USER_NOT_PRESENT reads go through.
  const cw = await api.Wallets.create({ Owners: [s.carol.Id], Description: 'Carol EUR', Currency: 'EUR' });
  const proxied = await api.Wallets.get(cw.Id, { parameters: { ScaContext: 'USER_NOT_PRESENT' } });
  assert.equal(proxied.Id, cw.Id);
  s.carolWallet = cw;

  s.aliceWallet = wallet;
  s.bobWallet = await api.Wallets.create({ Owners: [s.bob.Id], Description: 'Bob EUR', Currency: 'EUR' });
});

// ---- 7. hooks (before the transfers, so that their webhooks reach us) ----

test('7a. hooks: create, get, list; webhook deliveries reach a local receiver', async () => {
  needs();
  const url = `http://127.0.0.1:${hookServer.address().port}/mangopay`;
  const hook = await api.Hooks.create({ EventType: 'TRANSFER_NORMAL_SUCCEEDED', Url: url, Tag: 'interop' });
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/hooks`);
  assert.match(hook.Id, /^hook_m_/);
  assert.equal(hook.Url, url);
  assert.equal(hook.Status, 'ENABLED');
  assert.equal(hook.Validity, 'VALID');
  assert.equal(hook.EventType, 'TRANSFER_NORMAL_SUCCEEDED');
  const got = await api.Hooks.get(hook.Id);
  assert.equal(got.Url, url);
  const all = await api.Hooks.getAll(() => {}, { page: 1, per_page: 100 });
  assert.deepEqual(lastWire().params, { page: 1, per_page: 100 });
  assert.equal(lastWire().headers['x-number-of-items'], String(all.length));
  assert.ok(all.some((h) => h.Id === hook.Id));
  // The SDK's update sends the fetched model back.
  got.Tag = 'interop-updated';
  const upd = await api.Hooks.update(got);
  assert.equal(lastWire().method, 'PUT');
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/hooks/${hook.Id}`);
  assert.equal(upd.Tag, 'interop-updated');
  assert.equal(upd.Status, 'ENABLED');
  const dup = await rejection(api.Hooks.create({ EventType: 'TRANSFER_NORMAL_SUCCEEDED', Url: url }));
  assert.equal(dup.Type, 'param_error');
  assert.match(dup.errors.EventType, /already/);
  s.hook = hook;
});

// ---- 5. transfers ----

test('5. transfers: from 500.01 EUR USER_PRESENT → CREATED + session → SUCCEEDED; below, no SCA; declined; expired', async () => {
  needs('alice', 'bob', 'carol', 'aliceWallet', 'bobWallet', 'carolWallet', 'hook');
  const big = await api.Transfers.create({
    AuthorId: s.alice.Id, DebitedFunds: eur(60000), Fees: eur(0),
    DebitedWalletId: s.aliceWallet.Id, CreditedWalletId: s.bobWallet.Id, ScaContext: 'USER_PRESENT', Tag: 'big',
  });
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/transfers`);
  assert.match(big.Id, /^xfer_m_/);
  assert.equal(big.Status, 'CREATED');
  assert.equal(big.Type, 'TRANSFER');
  assert.equal(big.DebitedFunds.Amount, 60000);
  assertLink(big.PendingUserAction.RedirectUrl, 'transfer');
  const done = await completeSca(big.PendingUserAction.RedirectUrl);
  assert.equal(done.Kind, 'TRANSFER');
  assert.equal(done.ResourceId, big.Id);
  const after = await api.Transfers.get(big.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/transfers/${big.Id}`);
  assert.equal(after.Status, 'SUCCEEDED');
  assert.equal(after.ResultCode, '000000');
  assert.equal(after.CreditedFunds.Amount, 60000);
  assert.equal(after.PendingUserAction, null);

  const small = await api.Transfers.create({
    AuthorId: s.alice.Id, DebitedFunds: eur(1000), Fees: eur(0),
    DebitedWalletId: s.aliceWallet.Id, CreditedWalletId: s.bobWallet.Id, ScaContext: 'USER_PRESENT',
  });
  // Mangopay's sandbox asks for SCA on a transfer between two different
  // OWNERs' wallets with USER_PRESENT only from EUR 500.01 (Amount 50001):
  // it applies the TRA exemption to every amount of 500 EUR or less
  // (guides/sca/transfers, "SCA triggers in Sandbox"). The emulator follows
  // it and counts no low-value transfers unless it was started with the
  // opt-in WithLowValueExemption (mangopay-sandbox -low-value-exemption).
  assert.equal(small.Status, 'SUCCEEDED', 'no SCA below EUR 500.01');
  assert.equal(small.PendingUserAction, null);

  // 3001 likewise (the SDK's own transfer test expects the same of
  // Mangopay's sandbox for 3001).
  const mid = await api.Transfers.create({
    AuthorId: s.alice.Id, DebitedFunds: eur(3001), Fees: eur(0),
    DebitedWalletId: s.aliceWallet.Id, CreditedWalletId: s.bobWallet.Id, ScaContext: 'USER_PRESENT',
  });
  assert.equal(mid.Status, 'SUCCEEDED');
  assert.equal(mid.PendingUserAction, null);

  const w = await api.Wallets.get(s.aliceWallet.Id, { parameters: { ScaContext: 'USER_PRESENT' } });
  assert.equal(w.Balance.Amount, 100000 - 60000 - 1000 - 3001);

  // USER_NOT_PRESENT: refused without consent, allowed for Carol, who consented.
  const noProxy = await rejection(api.Transfers.create({
    AuthorId: s.alice.Id, DebitedFunds: eur(500), Fees: eur(0),
    DebitedWalletId: s.aliceWallet.Id, CreditedWalletId: s.bobWallet.Id, ScaContext: 'USER_NOT_PRESENT',
  }, { resolveWithFullResponse: true }));
  assert.equal(noProxy.status, 403);
  assert.equal(noProxy.body.Type, 'sca_proxy_missing');
  await credit(s.carolWallet.Id, 70000);
  const proxied = await api.Transfers.create({
    AuthorId: s.carol.Id, DebitedFunds: eur(60000), Fees: eur(0),
    DebitedWalletId: s.carolWallet.Id, CreditedWalletId: s.bobWallet.Id, ScaContext: 'USER_NOT_PRESENT',
  });
  assert.equal(proxied.Status, 'SUCCEEDED');
  assert.equal(proxied.PendingUserAction, null);

  // Bob declines a large transfer back to Alice.
  const back = await api.Transfers.create({
    AuthorId: s.bob.Id, DebitedFunds: eur(50001), Fees: eur(0),
    DebitedWalletId: s.bobWallet.Id, CreditedWalletId: s.aliceWallet.Id, ScaContext: 'USER_PRESENT',
  });
  assert.equal(back.Status, 'CREATED');
  await completeSca(back.PendingUserAction.RedirectUrl, 'FAILED');
  const declined = await api.Transfers.get(back.Id);
  assert.equal(declined.Status, 'FAILED');
  assert.equal(declined.ResultCode, '007101');

  // A session left alone expires after 10 minutes of emulator time.
  const late = await api.Transfers.create({
    AuthorId: s.bob.Id, DebitedFunds: eur(50001), Fees: eur(0),
    DebitedWalletId: s.bobWallet.Id, CreditedWalletId: s.aliceWallet.Id, ScaContext: 'USER_PRESENT',
  });
  assert.equal(late.Status, 'CREATED');
  await advanceClock(601);
  const expired = await api.Transfers.get(late.Id);
  assert.equal(expired.Status, 'FAILED');
  assert.equal(expired.ResultCode, '007102');
  const res = await fetch(BASE + '/_sandbox/sca/complete', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ RedirectUrl: late.PendingUserAction.RedirectUrl, Outcome: 'VALIDATED' }),
  });
  assert.equal(res.status, 410);

  // The transfers show in both users' and wallets' transactions.
  const aliceTxs = await api.Wallets.getTransactions(s.aliceWallet.Id, () => {}, { ScaContext: 'USER_PRESENT', per_page: 100 });
  assert.ok(aliceTxs.some((x) => x.Id === big.Id && x.Type === 'TRANSFER' && x.Status === 'SUCCEEDED'));
  const userTxs = await api.Users.getTransactions(s.alice.Id, () => {}, { ScaContext: 'USER_PRESENT', Status: 'SUCCEEDED', per_page: 100 });
  assert.ok(userTxs.some((x) => x.Id === small.Id));
  assert.ok(userTxs.every((x) => x.Status === 'SUCCEEDED'));

  // Events: GET /events with the SDK's filters.
  const events = await api.Events.getAll(() => {}, { EventType: 'TRANSFER_NORMAL_SUCCEEDED', per_page: 100 });
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/events`);
  assert.deepEqual(lastWire().params, { EventType: 'TRANSFER_NORMAL_SUCCEEDED', per_page: 100 });
  assert.ok(events.some((ev) => ev.ResourceId === big.Id), JSON.stringify(events));
  assert.ok(events.every((ev) => ev.EventType === 'TRANSFER_NORMAL_SUCCEEDED'));

  // The hook registered in step 7a got the successful transfers.
  const deadline = Date.now() + 5000;
  const want = [big.Id, small.Id, mid.Id, proxied.Id];
  while (Date.now() < deadline && !want.every((id) => hookHits.some((h) => h.url.searchParams.get('RessourceId') === id))) {
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const id of want) {
    const hit = hookHits.find((h) => h.url.searchParams.get('RessourceId') === id);
    assert.ok(hit, `webhook for transfer ${id}`);
    assert.equal(hit.method, 'GET');
    assert.equal(hit.url.pathname, '/mangopay');
    assert.equal(hit.url.searchParams.get('EventType'), 'TRANSFER_NORMAL_SUCCEEDED');
    assert.match(hit.url.searchParams.get('Date'), /^\d+$/);
  }
  s.bigTransfer = big;
});

// ---- 6. recipients ----

test('6. recipients: payout methods, schema, validate, create → PENDING, ACTIVE, list, deactivate', async () => {
  needs('alice');
  const methods = await api.Recipients.getPayoutMethods('DE', 'EUR');
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/recipients/payout-methods`);
  assert.ok(methods.AvailablePayoutMethods.includes('LocalBankTransfer'), JSON.stringify(methods));

  // GBP to Germany: international only (what the SDK's own test expects of Mangopay's sandbox).
  const gbpDE = await api.Recipients.getPayoutMethods('DE', 'GBP');
  assert.deepEqual(gbpDE.AvailablePayoutMethods, ['InternationalBankTransfer']);

  const schema = await api.Recipients.getSchema('LocalBankTransfer', 'Individual', 'EUR', 'DE');
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/recipients/schema`);
  assert.equal(schema.LocalBankTransfer.EUR.IBAN.Required, true);
  assert.equal(schema.IndividualRecipient.FirstName.Required, true);
  // The shape checks of the SDK's own recipient tests: the other method's and
  // the other party's blocks are absent.
  const local = await api.Recipients.getSchema('LocalBankTransfer', 'Individual', 'GBP', 'GB');
  for (const k of ['DisplayName', 'Currency', 'RecipientType', 'PayoutMethodType', 'RecipientScope', 'Tag', 'LocalBankTransfer', 'IndividualRecipient']) {
    assert.ok(local[k] != null, `schema.${k}`);
  }
  assert.equal(local.InternationalBankTransfer, undefined);
  assert.equal(local.BusinessRecipient, undefined);
  assert.equal(local.LocalBankTransfer.GBP.SortCode.Required, true);
  const intl = await api.Recipients.getSchema('InternationalBankTransfer', 'Business', 'GBP', 'GB');
  assert.ok(intl.InternationalBankTransfer != null && intl.BusinessRecipient != null);
  assert.equal(intl.LocalBankTransfer, undefined);
  assert.equal(intl.IndividualRecipient, undefined);

  const recipient = {
    DisplayName: 'Alice DE account', PayoutMethodType: 'LocalBankTransfer', RecipientType: 'Individual',
    Currency: 'EUR', Country: 'DE', RecipientScope: 'PAYOUT', Tag: 'interop',
    IndividualRecipient: {
      FirstName: 'Alice', LastName: 'Interop',
      Address: { AddressLine1: 'Oranienburger Str. 87', City: 'Berlin', PostalCode: '10178', Country: 'DE' },
    },
    LocalBankTransfer: { EUR: { IBAN: 'DE75512108001245126199' } },
  };
  await api.Recipients.validate({ ...recipient }, s.alice.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/users/${s.alice.Id}/recipients/validate`);
  assert.equal(lastWire().status, 200);
  const bad = await rejection(api.Recipients.validate(
    { ...recipient, LocalBankTransfer: { EUR: { IBAN: 'DE00000000000000000000' } } }, s.alice.Id));
  assert.equal(bad.Type, 'param_error');
  assert.equal(bad.Errors['LocalBankTransfer.EUR.IBAN'], 'INVALID_IBAN');

  s.recipientBody = recipient;
  const created = await api.Recipients.create({ ...recipient, ScaContext: 'USER_PRESENT' }, s.alice.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/users/${s.alice.Id}/recipients`);
  assert.match(created.Id, /^rec_/);
  assert.equal(created.Status, 'PENDING');
  assert.equal(created.UserId, s.alice.Id);
  assert.equal(created.RecipientScope, 'PAYOUT');
  assert.equal(created.LocalBankTransfer.EUR.IBAN, 'DE75512108001245126199');
  assertLink(created.PendingUserAction.RedirectUrl, 'recipient');
  assert.equal((await completeSca(created.PendingUserAction.RedirectUrl)).Kind, 'RECIPIENT');

  const got = await api.Recipients.get(created.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/recipients/${created.Id}`);
  assert.equal(got.Status, 'ACTIVE');
  assert.equal(got.PendingUserAction, null);

  const list = await api.Recipients.getUserRecipients(s.alice.Id, () => {}, { parameters: { RecipientScope: 'PAYOUT' } });
  assert.deepEqual(lastWire().params, { RecipientScope: 'PAYOUT' });
  assert.equal(lastWire().headers['x-number-of-items'], '1');
  assert.deepEqual(list.map((r) => [r.Id, r.Status]), [[created.Id, 'ACTIVE']]);

  const payin = await api.Recipients.getUserRecipients(s.alice.Id, () => {}, { parameters: { RecipientScope: 'PAYIN' } });
  assert.deepEqual(payin, []);

  // The SDK's own recipient test: no RecipientScope (PAYOUT by default), then
  // the created model is sent back whole to validate, then without Currency.
  const plain = await api.Recipients.create({
    DisplayName: 'My EUR account', PayoutMethodType: 'LocalBankTransfer', RecipientType: 'Individual',
    Currency: 'EUR', Country: 'DE',
    IndividualRecipient: {
      FirstName: 'John', LastName: 'Doe',
      Address: { AddressLine1: '10 Kingsway', City: 'London', PostalCode: 'WC2B 6LH', Country: 'DE' },
    },
    LocalBankTransfer: { EUR: { IBAN: 'DE75512108001245126199' } },
    ScaContext: 'USER_PRESENT',
  }, s.alice.Id);
  assert.equal(plain.RecipientScope, 'PAYOUT');
  assert.equal(plain.Status, 'PENDING');
  assertLink(plain.PendingUserAction.RedirectUrl, 'default-scope recipient');
  await api.Recipients.validate(plain, s.alice.Id);
  assert.equal(lastWire().status, 200);
  plain.Currency = undefined;
  const noCur = await rejection(api.Recipients.validate(plain, s.alice.Id));
  assert.match(noCur.Message, /One or several required parameters are missing or incorrect/);
  assert.equal(noCur.Errors.Currency, 'REQUIRED');

  const off = await api.Recipients.deactivate(created.Id);
  assert.equal(lastWire().method, 'PUT');
  assert.equal(off.Status, 'DEACTIVATED');
  const again = await rejection(api.Recipients.deactivate(created.Id));
  assert.equal(again.Type, 'other');
  assert.equal(again.Message, 'Invalid State');
});

// ---- 7b. idempotency ----

test('7b. idempotency: Idempotency-Key header, 409 on reuse, GET /responses/{key}', async () => {
  needs('bob');
  const key = crypto.randomUUID();
  const body = { Owners: [s.bob.Id], Description: 'Bob idempotent', Currency: 'EUR' };
  const first = await api.Wallets.create({ ...body }, api.OptionsHelper.withIdempotency({}, key));
  assert.equal(lastWire().reqHeaders['Idempotency-Key'], key);
  assert.equal(lastWire().reqHeaders['Content-Type'], 'application/json');
  assert.match(lastWire().reqHeaders.Authorization, /^bearer /);
  assert.match(first.Id, /^wlt_m_/);

  const conflict = await rejection(api.Wallets.create({ ...body }, api.OptionsHelper.withIdempotency({}, key)));
  assert.equal(lastWire().status, 409);
  assert.equal(conflict.Type, 'idempotent_creation_conflict');
  assert.equal(conflict.Message, 'A resource has already been created with this Idempotency Key');

  const rec = await api.Idempotency.get(key);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/responses/${key}`);
  assert.equal(rec.StatusCode, '200');
  assert.match(rec.ContentType, /^application\/json/);
  assert.ok(!Number.isNaN(Date.parse(rec.Date)), rec.Date);
  assert.match(rec.RequestURL, new RegExp(`/v2\\.01/${CLIENT_ID}/wallets$`));
  assert.equal(rec.Resource.Id, first.Id);
  assert.equal(rec.Resource.Description, 'Bob idempotent');

  // The older Responses service reaches the same endpoint.
  const viaResponses = await api.Responses.get({ path: { id: key } });
  assert.equal(viaResponses.Resource.Id, first.Id);

  // A failed call is recorded too, and its key is spent.
  const failKey = crypto.randomUUID();
  const failed = await rejection(api.Wallets.create(
    { Owners: ['user_m_doesnotexist'], Description: 'x', Currency: 'EUR' }, api.OptionsHelper.withIdempotency({}, failKey)));
  assert.equal(lastWire().status, 400);
  const failRec = await api.Idempotency.get(failKey);
  assert.equal(failRec.StatusCode, '400');
  assert.equal(failRec.Resource.Type, failed.Type);
  const reused = await rejection(api.Wallets.create({ ...body }, api.OptionsHelper.withIdempotency({}, failKey)));
  assert.equal(reused.Type, 'idempotent_creation_conflict');
});

// ---- 8. more error shapes ----

test('8. error shapes: 404 ressource_not_found, 400 param_error, 401 invalid_credentials', async () => {
  needs('alice');
  const nf = await rejection(api.Users.getSca('user_m_doesnotexist'));
  assert.equal(lastWire().status, 404);
  assert.equal(nf.Type, 'ressource_not_found');
  assert.equal(nf.Message, 'The ressource does not exist');
  assert.match(nf.errors.RessourceNotFound, /user_m_doesnotexist/);

  const pe = await rejection(api.Users.create({
    NaturalSca: true, PersonType: 'NATURAL', UserCategory: 'PAYER', FirstName: 'No', LastName: 'Mail', TermsAndConditionsAccepted: true,
  }));
  assert.equal(lastWire().status, 400);
  assert.equal(pe.Type, 'param_error');
  assert.equal(typeof pe.errors.Email, 'string');

  // The emulator's token expires on its clock; the SDK still thinks it valid
  // and surfaces Mangopay's 401 invalid_credentials as is.
  await advanceClock(1300);
  const ic = await rejection(api.Users.getSca(s.alice.Id));
  assert.equal(lastWire().status, 401);
  assert.equal(ic.Type, 'invalid_credentials');
  assert.equal(ic.Message, 'The authorization credentials are not valid');
  // A fresh authorization gets going again.
  await api.authorize();
  assert.equal((await api.Users.getSca(s.alice.Id)).Id, s.alice.Id);
});

// ---- 9. payouts and refunds (issue 14) ----

test('9. payouts to an ACTIVE recipient (POST /payouts/bankwire) and a transfer refund', async () => {
  needs('alice');
  const email = `dora.${crypto.randomBytes(4).toString('hex')}+accept@example.com`; // the sandbox's accept bypass: ACTIVE at once
  const dora = await api.Users.create(naturalOwner('Dora', email));
  assert.equal(dora.UserStatus, 'ACTIVE');
  const wallet = await api.Wallets.create({ Owners: [dora.Id], Description: 'Dora EUR', Currency: 'EUR' });
  const savings = await api.Wallets.create({ Owners: [dora.Id], Description: 'Dora savings', Currency: 'EUR' });
  await credit(wallet.Id, 10000);
  const rec = await api.Recipients.create({
    DisplayName: 'Dora FR account', PayoutMethodType: 'LocalBankTransfer', RecipientType: 'Individual',
    Currency: 'EUR', Country: 'FR',
    IndividualRecipient: { FirstName: 'Dora', LastName: 'Interop', Address: { ...address } },
    LocalBankTransfer: { EUR: { IBAN: 'FR7630004000031234567890143', BIC: 'BNPAFRPP' } },
    ScaContext: 'USER_PRESENT',
  }, dora.Id);
  if (rec.PendingUserAction && rec.PendingUserAction.RedirectUrl) await completeSca(rec.PendingUserAction.RedirectUrl);
  assert.equal((await api.Recipients.get(rec.Id)).Status, 'ACTIVE');

  const payout = await api.PayOuts.create({
    AuthorId: dora.Id, DebitedWalletId: wallet.Id, RecipientId: rec.Id, PaymentType: 'BANK_WIRE',
    DebitedFunds: eur(4000), Fees: eur(40), BankWireRef: 'interop', PayoutModeRequested: 'INSTANT_PAYMENT',
  });
  assert.equal(lastWire().method, 'POST');
  assert.match(lastWire().url, new RegExp(`^/v2.01/${CLIENT_ID}/payouts/bankwire/?$`)); // the SDK adds a trailing slash
  assert.match(payout.Id, /^po_/);
  assert.equal(payout.Status, 'CREATED');
  assert.equal(payout.RecipientId, rec.Id);
  assert.equal(payout.ModeApplied, 'INSTANT_PAYMENT');
  assert.deepEqual(payout.CreditedFunds, eur(3960));

  await advanceClock(10);
  const done = await api.PayOuts.get(payout.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/payouts/${payout.Id}`);
  assert.equal(done.Status, 'SUCCEEDED');
  assert.equal(done.ResultCode, '000000');

  // A payout to a legacy bank account (no Recipient) fails with 121018.
  const legacy = await api.PayOuts.create({
    AuthorId: dora.Id, DebitedWalletId: wallet.Id, BankAccountId: 'bankacc_m_legacy', PaymentType: 'BANK_WIRE',
    DebitedFunds: eur(100), Fees: eur(0),
  });
  assert.equal(legacy.Status, 'FAILED');
  assert.equal(legacy.ResultCode, '121018');

  const tr = await api.Transfers.create({
    AuthorId: dora.Id, DebitedWalletId: wallet.Id, CreditedWalletId: savings.Id, DebitedFunds: eur(1000), Fees: eur(0),
  });
  assert.equal(tr.Status, 'SUCCEEDED');
  const refund = await api.Transfers.createRefund(tr.Id, { AuthorId: dora.Id });
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/transfers/${tr.Id}/refunds`);
  assert.equal(refund.Status, 'SUCCEEDED');
  assert.equal(refund.Nature, 'REFUND');
  assert.equal(refund.InitialTransactionId, tr.Id);
  assert.deepEqual(refund.CreditedFunds, eur(1000));
  const viewed = await api.Refunds.get(refund.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/refunds/${refund.Id}`);
  assert.equal(viewed.Id, refund.Id);
  const again = await api.Transfers.createRefund(tr.Id, { AuthorId: dora.Id });
  assert.equal(again.Status, 'FAILED');
  assert.equal(again.ResultCode, '001401');

  const w = await api.Wallets.get(wallet.Id, { parameters: { ScaContext: 'USER_PRESENT' } });
  assert.deepEqual(w.Balance, eur(6000), 'paid out 4000 once; the refused payout took nothing; the transfer came back');
});

// ---- 10. card registrations and card pay-ins ----

const completePayIn = (redirectUrl, outcome = 'VALIDATED') =>
  control('payins/complete', { RedirectUrl: redirectUrl, Outcome: outcome });

// Mangopay's documented sandbox cards (testing/payment-methods): 3DS2
// frictionless and 3DS2 challenge; any future MMYY expiry, any CVC.
const CARD_FRICTIONLESS = '4970107111111119';
const CARD_CHALLENGE = '4970105181818183';

// tokenize does what the payer's browser does with Mangopay's card
// registration JS kit (github.com/Mangopay/cardregistration-js-kit,
// kit/mangopay-kit.js, _tokenizeCard): a cross-origin POST to the
// registration's CardRegistrationURL, Content-type
// application/x-www-form-urlencoded, of data (the PreregistrationData),
// accessKeyRef (the AccessKey), cardNumber, cardExpirationDate (MMYY) and
// cardCvx, each encodeURIComponent'ed, with no credentials. The kit hands the
// whole text answer ("data=..." or "errorCode=...") over as RegistrationData.
// Card data never goes through the platform's server (or this SDK).
async function tokenize(reg, cardNumber, cardExpirationDate = '1229', cardCvx = '123') {
  const fields = { data: reg.PreregistrationData, accessKeyRef: reg.AccessKey, cardNumber, cardExpirationDate, cardCvx };
  const body = Object.keys(fields).map((k) => k + '=' + encodeURIComponent(fields[k])).join('&');
  const res = await fetch(reg.CardRegistrationURL, {
    method: 'POST', headers: { 'Content-type': 'application/x-www-form-urlencoded' }, body,
  });
  assert.equal(res.status, 200, `POST ${reg.CardRegistrationURL}`);
  assert.match(res.headers.get('content-type'), /^text\/plain/);
  assert.equal(res.headers.get('access-control-allow-origin'), '*', 'the kit posts cross-origin');
  return res.text();
}

// registerCard runs the three card registration steps for user and returns the registration.
async function registerCard(userId, number) {
  const reg = await api.CardRegistrations.create({ UserId: userId, Currency: 'EUR', CardType: 'CB_VISA_MASTERCARD' });
  const data = await tokenize(reg, number);
  assert.match(data, /^data=[0-9a-f]+$/);
  const done = await api.CardRegistrations.update({ Id: reg.Id, RegistrationData: data });
  assert.equal(done.Status, 'VALIDATED', JSON.stringify(done));
  return done;
}

const browserInfo = {
  AcceptHeader: 'text/html, application/xhtml+xml, application/xml;q=0.9, /;q=0.8',
  JavaEnabled: true, JavascriptEnabled: true, Language: 'FR-FR', ColorDepth: 24,
  ScreenHeight: 1800, ScreenWidth: 400, TimeZoneOffset: '+60',
  UserAgent: 'Mozilla/5.0 (X11; Linux x86_64) interop',
};

async function aliceBalance() {
  const w = await api.Wallets.get(s.aliceWallet.Id, { parameters: { ScaContext: 'USER_PRESENT' } });
  return w.Balance.Amount;
}

const payLink = (kind) => new RegExp('^' + BASE.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + `/payment/${kind}\\?token=\\w+$`);

test('10. card registration, tokenization at CardRegistrationURL, direct (frictionless, 3DS2 challenge) and web card pay-ins', async () => {
  needs('alice', 'aliceWallet');
  const url = `http://127.0.0.1:${hookServer.address().port}/mangopay`;
  await api.Hooks.create({ EventType: 'PAYIN_NORMAL_SUCCEEDED', Url: url, Tag: 'interop' });

  // 1. The platform's server creates the registration.
  const reg = await api.CardRegistrations.create({ UserId: s.alice.Id, Currency: 'EUR', CardType: 'CB_VISA_MASTERCARD', Tag: 'interop' });
  let w = lastWire();
  assert.equal(w.method, 'POST');
  assert.equal(w.url, `/v2.01/${CLIENT_ID}/cardregistrations`);
  assert.equal(w.reqHeaders['Content-Type'], 'application/json');
  assert.deepEqual(sentJSON(), { UserId: s.alice.Id, Currency: 'EUR', CardType: 'CB_VISA_MASTERCARD', Tag: 'interop' });
  assert.match(reg.Id, /^cardreg_m_/);
  assert.equal(reg.Status, 'CREATED');
  assert.equal(reg.UserId, s.alice.Id);
  assert.equal(reg.Currency, 'EUR');
  assert.equal(reg.CardType, 'CB_VISA_MASTERCARD');
  assert.equal(reg.CardRegistrationURL, `${BASE}/payment/tokenize/${reg.Id}`);
  assert.equal(typeof reg.AccessKey, 'string');
  assert.equal(typeof reg.PreregistrationData, 'string');
  assert.equal(reg.CardId, null);
  assert.equal(reg.RegistrationData, null);

  // 2. The payer's browser tokenizes the card (the JS kit's POST).
  const data = await tokenize(reg, CARD_FRICTIONLESS);
  assert.match(data, /^data=[0-9a-f]+$/);
  // A wrong accessKeyRef is refused by the tokenization server.
  assert.equal(await tokenize({ ...reg, AccessKey: 'nope' }, CARD_FRICTIONLESS), 'errorCode=09101');

  // 3. The platform's server sends the answer whole as RegistrationData,
  // here on the model the SDK returned (its own tests' pattern).
  reg.RegistrationData = data;
  const updated = await api.CardRegistrations.update(reg);
  w = lastWire();
  // The SDK sends the model back whole; RegistrationData is the tokenizer's answer, unchanged.
  assert.equal(sentJSON().RegistrationData, data);
  assert.equal(sentJSON().Id, reg.Id);
  assert.equal(w.method, 'PUT');
  assert.equal(w.url, `/v2.01/${CLIENT_ID}/cardregistrations/${reg.Id}`);
  assert.equal(updated.Status, 'VALIDATED');
  assert.equal(updated.ResultCode, '000000');
  assert.equal(updated.RegistrationData, data);
  assert.match(updated.CardId, /^card_m_/);
  const again = await api.CardRegistrations.get(reg.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/cardregistrations/${reg.Id}`);
  assert.equal(again.CardId, updated.CardId);
  const card = await api.Cards.get(updated.CardId);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/cards/${updated.CardId}`);
  assert.equal(card.Alias, '497010XXXXXX1119');
  assert.equal(card.ExpirationDate, '1229');
  assert.equal(card.UserId, s.alice.Id);
  assert.equal(card.Active, true);
  assert.equal(card.Currency, 'EUR');
  assert.equal(card.CardProvider, 'VISA');

  // A CVC the tokenization server refuses: the registration ends in ERROR.
  const badReg = await api.CardRegistrations.create({ UserId: s.alice.Id, Currency: 'EUR' });
  const badData = await tokenize(badReg, CARD_FRICTIONLESS, '1229', '12');
  assert.equal(badData, 'errorCode=02627');
  const bad = await api.CardRegistrations.update({ Id: badReg.Id, RegistrationData: badData });
  assert.equal(bad.Status, 'ERROR');
  assert.equal(bad.ResultCode, '105204');
  assert.equal(bad.CardId, null);

  let balance = await aliceBalance();
  const direct = (cardId, amount, fees, extra = {}) => ({
    PaymentType: 'CARD', ExecutionType: 'DIRECT', AuthorId: s.alice.Id, CreditedWalletId: s.aliceWallet.Id,
    DebitedFunds: eur(amount), Fees: eur(fees), CardId: cardId, SecureMode: 'DEFAULT',
    SecureModeReturnURL: 'https://platform.example/3ds-return', BrowserInfo: { ...browserInfo },
    IpAddress: '2001:0620:0000:0000:0211:24FF:FE80:C12C', ...extra,
  });

  // Direct pay-in, frictionless card: SUCCEEDED at once. With an
  // Idempotency-Key, so that a retry after a lost answer cannot charge twice.
  const key = crypto.randomUUID();
  const fr = await api.PayIns.create(direct(updated.CardId, 5000, 250, { Tag: 'frictionless', StatementDescriptor: 'INTEROP' }),
    api.OptionsHelper.withIdempotency({}, key));
  w = lastWire();
  assert.equal(w.method, 'POST');
  assert.equal(w.url, `/v2.01/${CLIENT_ID}/payins/card/direct/`);
  assert.equal(w.reqHeaders['Idempotency-Key'], key);
  assert.equal(w.reqHeaders['Content-Type'], 'application/json');
  assert.match(w.reqHeaders.Authorization, /^bearer /);
  let sent = sentJSON();
  assert.equal(sent.CardId, updated.CardId);
  assert.equal(sent.SecureModeReturnURL, 'https://platform.example/3ds-return');
  assert.deepEqual(sent.BrowserInfo, browserInfo);
  assert.equal(sent.IpAddress, '2001:0620:0000:0000:0211:24FF:FE80:C12C');
  assert.deepEqual(sent.DebitedFunds, eur(5000));
  assert.deepEqual(sent.Fees, eur(250));
  assert.match(fr.Id, /^payin_m_/);
  assert.equal(fr.Status, 'SUCCEEDED');
  assert.equal(fr.ResultCode, '000000');
  assert.equal(fr.PaymentType, 'CARD');
  assert.equal(fr.ExecutionType, 'DIRECT');
  assert.equal(fr.SecureModeNeeded, false);
  assert.equal(fr.SecureModeRedirectURL, null);
  assert.equal(fr.CardId, updated.CardId);
  assert.equal(fr.CreditedWalletId, s.aliceWallet.Id);
  assert.equal(fr.StatementDescriptor, 'INTEROP');
  assert.deepEqual({ ...fr.CreditedFunds }, eur(5000 - 250));
  balance += 5000 - 250;
  assert.equal(await aliceBalance(), balance);
  // The replay is refused and the recorded answer is the first pay-in: no second charge.
  const replay = await rejection(api.PayIns.create(direct(updated.CardId, 5000, 250), api.OptionsHelper.withIdempotency({}, key)));
  assert.equal(lastWire().status, 409);
  assert.equal(replay.Type, 'idempotent_creation_conflict');
  const rec = await api.Idempotency.get(key);
  assert.equal(rec.Resource.Id, fr.Id);
  assert.equal(rec.Resource.Status, 'SUCCEEDED');
  assert.equal(await aliceBalance(), balance);

  // Direct pay-in, challenge card: CREATED with SecureModeNeeded and the 3DS2 link.
  const chCard = await registerCard(s.alice.Id, CARD_CHALLENGE);
  const ch = await api.PayIns.create(direct(chCard.CardId, 12000, 0));
  assert.equal(ch.Status, 'CREATED');
  assert.equal(ch.ResultCode, null);
  assert.equal(ch.SecureModeNeeded, true);
  assert.match(ch.SecureModeRedirectURL, payLink('3ds'));
  assert.equal((await api.PayIns.get(ch.Id)).Status, 'CREATED');
  assert.equal(await aliceBalance(), balance, 'nothing is credited before the challenge');
  // The link opens the challenge page (what the platform redirects the payer to).
  const page = await fetch(ch.SecureModeRedirectURL);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  await page.text();
  // The payer approves the challenge.
  const done = await completePayIn(ch.SecureModeRedirectURL);
  assert.equal(done.ReturnURL, `https://platform.example/3ds-return?transactionId=${ch.Id}`);
  const chAfter = await api.PayIns.get(ch.Id);
  w = lastWire();
  assert.equal(w.method, 'GET');
  assert.equal(w.url, `/v2.01/${CLIENT_ID}/payins/${ch.Id}`);
  assert.equal(chAfter.Status, 'SUCCEEDED');
  assert.equal(chAfter.ResultCode, '000000');
  assert.equal(chAfter.SecureModeRedirectURL, null);
  balance += 12000;
  assert.equal(await aliceBalance(), balance);

  // A declined challenge fails the pay-in (101301) and credits nothing.
  const no = await api.PayIns.create(direct(chCard.CardId, 3000, 0));
  assert.equal(no.Status, 'CREATED');
  await completePayIn(no.SecureModeRedirectURL, 'FAILED');
  const noAfter = await api.PayIns.get(no.Id);
  assert.equal(noAfter.Status, 'FAILED');
  assert.equal(noAfter.ResultCode, '101301');
  assert.equal(await aliceBalance(), balance);

  // Web card pay-in: CREATED with the hosted payment page's RedirectURL.
  const webIn = (amount, fees) => ({
    PaymentType: 'CARD', ExecutionType: 'WEB', AuthorId: s.alice.Id, CreditedWalletId: s.aliceWallet.Id,
    DebitedFunds: eur(amount), Fees: eur(fees), ReturnURL: 'https://platform.example/paid?order=42',
    Culture: 'EN', CardType: 'CB_VISA_MASTERCARD', SecureMode: 'DEFAULT', Tag: 'web',
  });
  const web = await api.PayIns.create(webIn(8000, 400));
  w = lastWire();
  assert.equal(w.method, 'POST');
  assert.equal(w.url, `/v2.01/${CLIENT_ID}/payins/card/web/`);
  sent = sentJSON();
  assert.equal(sent.ReturnURL, 'https://platform.example/paid?order=42');
  assert.equal(sent.CardType, 'CB_VISA_MASTERCARD');
  assert.equal(sent.Culture, 'EN');
  assert.equal(web.Status, 'CREATED');
  assert.equal(web.PaymentType, 'CARD');
  assert.equal(web.ExecutionType, 'WEB');
  assert.match(web.RedirectURL, payLink('pay'));
  assert.equal(web.ReturnURL, `https://platform.example/paid?order=42&transactionId=${web.Id}`);
  assert.equal(web.CardType, 'CB_VISA_MASTERCARD');
  assert.equal(web.Culture, 'EN');
  const paid = await completePayIn(web.RedirectURL);
  assert.equal(paid.ReturnURL, web.ReturnURL);
  const webAfter = await api.PayIns.get(web.Id);
  assert.equal(webAfter.Status, 'SUCCEEDED');
  assert.equal(webAfter.ResultCode, '000000');
  assert.equal(webAfter.RedirectURL, null);
  assert.deepEqual({ ...webAfter.CreditedFunds }, eur(8000 - 400));
  balance += 8000 - 400;
  assert.equal(await aliceBalance(), balance);

  // The payer cancels on the hosted page itself (a browser's form post):
  // 303 back to the ReturnURL, the pay-in FAILED with 001031.
  const cancel = await api.PayIns.create(webIn(2000, 0));
  const token = new URL(cancel.RedirectURL).searchParams.get('token');
  const posted = await fetch(BASE + '/payment/pay', {
    method: 'POST', redirect: 'manual', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, outcome: 'FAILED' }).toString(),
  });
  assert.equal(posted.status, 303);
  assert.equal(posted.headers.get('location'), cancel.ReturnURL);
  const canceled = await api.PayIns.get(cancel.Id);
  assert.equal(canceled.Status, 'FAILED');
  assert.equal(canceled.ResultCode, '001031');
  assert.equal(await aliceBalance(), balance);

  // The SUCCEEDED pay-ins are in the wallet's transactions, the events and the webhooks.
  const txs = await api.Wallets.getTransactions(s.aliceWallet.Id, () => {}, { ScaContext: 'USER_PRESENT', per_page: 100 });
  for (const id of [fr.Id, ch.Id, web.Id]) {
    assert.ok(txs.some((x) => x.Id === id && x.Type === 'PAYIN' && x.Status === 'SUCCEEDED'), `transaction ${id}`);
  }
  const events = await api.Events.getAll(() => {}, { EventType: 'PAYIN_NORMAL_SUCCEEDED', per_page: 100 });
  assert.deepEqual(events.map((e) => e.ResourceId).filter((id) => [fr.Id, ch.Id, web.Id].includes(id)).sort(), [fr.Id, ch.Id, web.Id].sort());
  const deadline = Date.now() + 5000;
  const want = [fr.Id, ch.Id, web.Id];
  const hit = (id) => hookHits.find((h) => h.url.searchParams.get('RessourceId') === id && h.url.searchParams.get('EventType') === 'PAYIN_NORMAL_SUCCEEDED');
  while (Date.now() < deadline && !want.every(hit)) {
    await new Promise((r) => setTimeout(r, 20));
  }
  for (const id of want) assert.ok(hit(id), `PAYIN_NORMAL_SUCCEEDED webhook for ${id}`);

  // Deactivating a card (irreversible): a pay-in with it then fails with 101106.
  const off = await api.Cards.update({ Id: updated.CardId, Active: false });
  w = lastWire();
  assert.equal(w.method, 'PUT');
  assert.equal(w.url, `/v2.01/${CLIENT_ID}/cards/${updated.CardId}`);
  assert.equal(sentJSON().Active, false);
  assert.equal(off.Active, false);
  const inactive = await api.PayIns.create(direct(updated.CardId, 1000, 0));
  assert.equal(inactive.Status, 'FAILED');
  assert.equal(inactive.ResultCode, '101106');
  assert.equal(await aliceBalance(), balance);

  s.webPayIn = web;
  s.aliceBalance = balance;
});

// ---- 11. payouts from a card-funded wallet, refunds ----

test('11. payout to an ACTIVE recipient (RecipientId) until SUCCEEDED; legacy bank account 121018; transfer and pay-in refunds, listed', async () => {
  needs('alice', 'bob', 'aliceWallet', 'bobWallet', 'recipientBody', 'webPayIn');
  let balance = await aliceBalance();
  assert.equal(balance, s.aliceBalance);

  // A PAYOUT recipient, registered with SCA as in step 6.
  const rec = await api.Recipients.create({ ...s.recipientBody, DisplayName: 'Alice payouts', ScaContext: 'USER_PRESENT' }, s.alice.Id);
  assert.equal(rec.Status, 'PENDING');
  await completeSca(rec.PendingUserAction.RedirectUrl);
  assert.equal((await api.Recipients.get(rec.Id)).Status, 'ACTIVE');

  // Instant reachability (POST /payouts/reachability).
  const reach = await api.PayOuts.checkEligibility({
    AuthorId: s.alice.Id, DebitedWalletId: s.aliceWallet.Id, DebitedFunds: eur(20000), Fees: eur(0),
    RecipientId: rec.Id, PayoutModeRequested: 'INSTANT_PAYMENT',
  });
  assert.equal(lastWire().method, 'POST');
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/payouts/reachability`);
  assert.equal(reach.InstantPayout.IsReachable, true);

  // The SDK sends RecipientId as given on a plain object with PaymentType
  // BANK_WIRE (its typings' CreatePayOut has RecipientId since 1.65.0, per
  // its CHANGELOG; its PayOutPaymentDetailsBankWire model still has only the
  // legacy BankAccountId).
  const payout = (amount, fees, extra = {}) => ({
    PaymentType: 'BANK_WIRE', AuthorId: s.alice.Id, DebitedWalletId: s.aliceWallet.Id,
    DebitedFunds: eur(amount), Fees: eur(fees), RecipientId: rec.Id, BankWireRef: 'INTEROP', ...extra,
  });
  // A KYC LIGHT author past the emulator's light allowance: FAILED 002999, nothing debited.
  const light = await api.PayOuts.create(payout(20000, 0));
  assert.equal(light.Status, 'FAILED');
  assert.equal(light.ResultCode, '002999');
  assert.equal(await aliceBalance(), balance);
  // Mangopay's compliance validates Alice's documents (a sandbox control here).
  assert.equal((await control(`users/${encodeURIComponent(s.alice.Id)}/kyc`, { KYCLevel: 'REGULAR' })).KYCLevel, 'REGULAR');

  const key = crypto.randomUUID();
  const po = await api.PayOuts.create(payout(20000, 150, { Tag: 'interop payout' }), api.OptionsHelper.withIdempotency({}, key));
  let w = lastWire();
  assert.deepEqual(sentJSON(), {
    PaymentType: 'BANK_WIRE', AuthorId: s.alice.Id, DebitedWalletId: s.aliceWallet.Id, DebitedFunds: eur(20000),
    Fees: eur(150), RecipientId: rec.Id, BankWireRef: 'INTEROP', Tag: 'interop payout',
  });
  assert.equal(w.method, 'POST');
  assert.equal(w.url, `/v2.01/${CLIENT_ID}/payouts/bankwire/`);
  assert.equal(w.reqHeaders['Idempotency-Key'], key);
  assert.equal(w.reqHeaders['Content-Type'], 'application/json');
  assert.match(po.Id, /^po_m_/);
  assert.equal(po.Status, 'CREATED');
  assert.equal(po.Type, 'PAYOUT');
  assert.equal(po.PaymentType, 'BANK_WIRE');
  assert.equal(po.RecipientId, rec.Id);
  assert.equal(po.BankAccountId, null);
  assert.equal(po.BankWireRef, 'INTEROP');
  assert.equal(po.ModeApplied, 'STANDARD');
  assert.equal(po.DebitedWalletId, s.aliceWallet.Id);
  assert.deepEqual({ ...po.CreditedFunds }, eur(20000 - 150));
  balance -= 20000;
  assert.equal(await aliceBalance(), balance, 'the wallet is debited once, at creation');
  const replay = await rejection(api.PayOuts.create(payout(20000, 150), api.OptionsHelper.withIdempotency({}, key)));
  assert.equal(replay.Type, 'idempotent_creation_conflict');
  assert.equal((await api.Idempotency.get(key)).Resource.Id, po.Id);
  assert.equal(await aliceBalance(), balance, 'no second payout');

  // Standard payouts settle after an hour of emulator time. The SDK's token
  // expires on the emulator's clock too: authorize again.
  assert.equal((await api.PayOuts.get(po.Id)).Status, 'CREATED');
  await advanceClock(3601);
  await api.authorize();
  const settled = await api.PayOuts.get(po.Id);
  w = lastWire();
  assert.equal(w.method, 'GET');
  assert.equal(w.url, `/v2.01/${CLIENT_ID}/payouts/${po.Id}`);
  assert.equal(settled.Status, 'SUCCEEDED');
  assert.equal(settled.ResultCode, '000000');
  assert.equal(typeof settled.ExecutionDate, 'number');
  const viaBankwire = await api.PayOuts.getBankwire(po.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/payouts/bankwire/${po.Id}`);
  assert.equal(viaBankwire.Status, 'SUCCEEDED');
  assert.equal(viaBankwire.RecipientId, rec.Id);
  assert.equal(await aliceBalance(), balance);
  const events = await api.Events.getAll(() => {}, { EventType: 'PAYOUT_NORMAL_SUCCEEDED', per_page: 100 });
  assert.ok(events.some((e) => e.ResourceId === po.Id), JSON.stringify(events));

  // The SDK's model path (PayOut + PayOutPaymentDetailsBankWire) can only
  // name a legacy BankAccountId: a bank account that is no Recipient fails
  // with 121018 since 30 April 2026 (API release note 2026-04-22).
  const PayOut = require('mangopay4-nodejs-sdk/lib/models/PayOut');
  const PayOutPaymentDetailsBankWire = require('mangopay4-nodejs-sdk/lib/models/PayOutPaymentDetailsBankWire');
  const legacy = await api.PayOuts.create(new PayOut({
    AuthorId: s.alice.Id, DebitedWalletId: s.aliceWallet.Id, DebitedFunds: eur(1000), Fees: eur(0),
    MeanOfPaymentDetails: new PayOutPaymentDetailsBankWire({ BankAccountId: 'ba_legacy_interop', BankWireRef: 'LEGACY' }),
  }));
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/payouts/bankwire/`);
  // The model is flattened: BankAccountId at the top level, no RecipientId.
  assert.equal(sentJSON().BankAccountId, 'ba_legacy_interop');
  assert.equal(sentJSON().BankWireRef, 'LEGACY');
  assert.equal('RecipientId' in sentJSON(), false);
  assert.equal(legacy.Status, 'FAILED');
  assert.equal(legacy.ResultCode, '121018');
  assert.equal(legacy.BankAccountId, 'ba_legacy_interop');
  assert.equal(await aliceBalance(), balance);

  // Bob opens his wallet reads with SCA, to check the refunds on his side.
  const locked = await rejection(api.Wallets.get(s.bobWallet.Id, { parameters: { ScaContext: 'USER_PRESENT' }, resolveWithFullResponse: true }));
  assert.equal(locked.status, 401);
  await completeSca(locked.headers['www-authenticate'].match(/RedirectUrl=(\S+)/)[1]);
  const bobBalance = async () => (await api.Wallets.get(s.bobWallet.Id, { parameters: { ScaContext: 'USER_PRESENT' } })).Balance.Amount;
  let bob = await bobBalance();

  // A transfer (below EUR 500.01: no SCA) with fees, refunded in part, then in full.
  const xfer = await api.Transfers.create({
    AuthorId: s.alice.Id, DebitedFunds: eur(3000), Fees: eur(200),
    DebitedWalletId: s.aliceWallet.Id, CreditedWalletId: s.bobWallet.Id, ScaContext: 'USER_PRESENT', Tag: 'to refund',
  });
  assert.equal(xfer.Status, 'SUCCEEDED');
  balance -= 3000;
  bob += 2800;
  const part = await api.Transfers.createRefund(xfer.Id, { AuthorId: s.alice.Id, DebitedFunds: eur(1000), Fees: eur(100), Tag: 'partial' });
  w = lastWire();
  assert.equal(w.method, 'POST');
  assert.equal(w.url, `/v2.01/${CLIENT_ID}/transfers/${xfer.Id}/refunds`);
  assert.deepEqual(sentJSON(), { AuthorId: s.alice.Id, DebitedFunds: eur(1000), Fees: eur(100), Tag: 'partial' });
  assert.match(part.Id, /^refund_m_/);
  assert.equal(part.Status, 'SUCCEEDED');
  assert.equal(part.Type, 'TRANSFER');
  assert.equal(part.Nature, 'REFUND');
  assert.equal(part.InitialTransactionId, xfer.Id);
  assert.equal(part.InitialTransactionType, 'TRANSFER');
  assert.equal(part.DebitedWalletId, s.bobWallet.Id);
  assert.equal(part.CreditedWalletId, s.aliceWallet.Id);
  assert.deepEqual({ ...part.DebitedFunds }, eur(1000));
  assert.deepEqual({ ...part.CreditedFunds }, eur(1100));
  balance += 1100;
  bob -= 1000;
  assert.equal(await aliceBalance(), balance);
  assert.equal(await bobBalance(), bob);
  // More than what is left (1800): FAILED 005403, nothing moves.
  const over = await api.Transfers.createRefund(xfer.Id, { AuthorId: s.alice.Id, DebitedFunds: eur(2000), Fees: eur(0) });
  assert.equal(over.Status, 'FAILED');
  assert.equal(over.ResultCode, '005403');
  // No amounts: the rest (1800 and the 100 fees left).
  const rest = await api.Transfers.createRefund(xfer.Id, { AuthorId: s.alice.Id });
  assert.equal(rest.Status, 'SUCCEEDED');
  assert.deepEqual({ ...rest.DebitedFunds }, eur(1800));
  assert.deepEqual({ ...rest.CreditedFunds }, eur(1900));
  balance += 1900;
  bob -= 1800;
  assert.equal(await aliceBalance(), balance);
  assert.equal(await bobBalance(), bob);
  const fetched = await api.Refunds.get(rest.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/refunds/${rest.Id}`);
  assert.equal(fetched.Status, 'SUCCEEDED');
  assert.equal(fetched.InitialTransactionId, xfer.Id);
  const twice = await api.Transfers.createRefund(xfer.Id, { AuthorId: s.alice.Id });
  assert.equal(twice.Status, 'FAILED');
  assert.equal(twice.ResultCode, '001401');
  assert.equal(await aliceBalance(), balance);
  assert.equal(await bobBalance(), bob);

  // A partial refund of the web pay-in of step 10 goes back to the card.
  const pr = await api.PayIns.createRefund(s.webPayIn.Id, { AuthorId: s.alice.Id, DebitedFunds: eur(2000), Fees: eur(100) });
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/payins/${s.webPayIn.Id}/refunds`);
  assert.equal(pr.Status, 'SUCCEEDED');
  assert.equal(pr.Type, 'PAYIN');
  assert.equal(pr.InitialTransactionId, s.webPayIn.Id);
  assert.equal(pr.DebitedWalletId, s.aliceWallet.Id);
  balance -= 2000;
  assert.equal(await aliceBalance(), balance);

  // The refunds of each transaction, as the SDK lists them.
  const xferRefunds = await api.Transfers.getRefunds(xfer.Id, () => {}, { per_page: 100 });
  w = lastWire();
  assert.equal(w.method, 'GET');
  assert.equal(w.url, `/v2.01/${CLIENT_ID}/transfers/${xfer.Id}/refunds`);
  assert.equal(w.headers['x-number-of-items'], '4');
  assert.deepEqual(xferRefunds.map((r) => [r.Id, r.Status]),
    [[part.Id, 'SUCCEEDED'], [over.Id, 'FAILED'], [rest.Id, 'SUCCEEDED'], [twice.Id, 'FAILED']]);
  const failedOnly = await api.Transfers.getRefunds(xfer.Id, () => {}, { Status: 'FAILED' });
  assert.deepEqual(lastWire().params, { Status: 'FAILED' });
  assert.deepEqual(failedOnly.map((r) => r.ResultCode), ['005403', '001401']);
  const payinRefunds = await api.PayIns.getRefunds(s.webPayIn.Id);
  assert.equal(lastWire().url, `/v2.01/${CLIENT_ID}/payins/${s.webPayIn.Id}/refunds`);
  assert.deepEqual(payinRefunds.map((r) => r.Id), [pr.Id]);
});
