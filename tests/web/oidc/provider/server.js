// A real OpenID Provider (node-oidc-provider, OpenID Certified) for CME Ledger's tests.
//
// Environment:
//   REDIRECT_URI   the portal's callback URL (required)
//   CLIENT_ID, CLIENT_SECRET   the one registered client (required)
//   ACCOUNTS_FILE  JSON {"<subject>": {"password", "email", "email_verified", "name"}},
//                  read on every lookup so a test can change an account between sign-ins
//   CLAIMS_IN      "id_token" (default): e-mail claims travel in the ID token, as most
//                  enterprise providers do; "userinfo": only from the UserInfo endpoint
//                  (the spec's default for response_type=code)
//
// It listens on a free loopback port and prints one JSON line {"issuer": "..."} when ready.
// The login page is its own small form (no consent screen: an organisation's provider
// treats its own applications as pre-approved), so tests post it like a browser would.

import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";

import Provider from "oidc-provider";

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`server.js: set ${name}`);
    process.exit(2);
  }
  return value;
}

const redirectUri = required("REDIRECT_URI");
const clientId = required("CLIENT_ID");
const clientSecret = required("CLIENT_SECRET");
const accountsFile = required("ACCOUNTS_FILE");
const claimsInIdToken = (process.env.CLAIMS_IN || "id_token") === "id_token";

function accounts() {
  return JSON.parse(readFileSync(accountsFile, "utf8"));
}

async function findAccount(ctx, sub) {
  const account = accounts()[sub];
  if (!account) return undefined;
  return {
    accountId: sub,
    async claims() {
      return {
        sub,
        email: account.email,
        email_verified: account.email_verified,
        name: account.name,
      };
    },
  };
}

// A fresh signing key per run: the relying party must really fetch the JWKS.
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: "jwk" }),
  kid: randomBytes(8).toString("hex"),
  alg: "RS256",
  use: "sig",
};

const configuration = {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      response_types: ["code"],
      grant_types: ["authorization_code"],
      token_endpoint_auth_method: "client_secret_basic",
    },
  ],
  claims: {
    openid: ["sub"],
    email: ["email", "email_verified"],
    profile: ["name"],
  },
  conformIdTokenClaims: !claimsInIdToken,
  cookies: { keys: [randomBytes(32).toString("hex")] },
  features: { devInteractions: { enabled: false } },
  findAccount,
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  jwks: { keys: [signingKey] },
  pkce: { required: () => true },
};

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(res, uid, message) {
  res.statusCode = message ? 401 : 200;
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.end(`<!doctype html><html><head><title>Test IdP sign-in</title></head><body>
<h1>Test identity provider</h1>${message ? `<p role="alert">${escape(message)}</p>` : ""}
<form method="post" action="/interaction/${escape(uid)}/login">
<label>User <input name="login" autocomplete="username"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button>
</form></body></html>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

async function interaction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt, params, session, grantId } = details;
  if (req.method === "GET" && prompt.name === "login") {
    return loginPage(res, uid);
  }
  if (req.method === "POST" && prompt.name === "login") {
    const form = await readForm(req);
    const account = accounts()[form.get("login") || ""];
    if (!account || account.password !== form.get("password")) {
      return loginPage(res, uid, "Unknown user or wrong password.");
    }
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: form.get("login") } },
      { mergeWithLastSubmission: false },
    );
  }
  if (prompt.name === "consent") {
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) {
      grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
    }
    if (prompt.details.missingOIDCClaims) {
      grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    }
    return provider.interactionFinished(
      req,
      res,
      { consent: { grantId: await grant.save() } },
      { mergeWithLastSubmission: true },
    );
  }
  res.statusCode = 400;
  res.end(`unexpected prompt ${prompt.name}`);
}

const server = http.createServer();
server.listen(0, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  const handle = provider.callback();
  server.on("request", (req, res) => {
    if (req.url.startsWith("/interaction/")) {
      interaction(provider, req, res).catch((error) => {
        res.statusCode = 400;
        res.end(`interaction failed: ${error.message}`);
      });
    } else {
      handle(req, res);
    }
  });
  console.log(JSON.stringify({ issuer }));
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => process.exit(0));
}
