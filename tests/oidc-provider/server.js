// An independent OpenID provider for Sesame's tests: panva's certified
// `oidc-provider`, on loopback, with its development login pages and a
// resource-owner password grant. Nothing here knows Sesame or Entra: it is the
// "not tuned to our own simulator" check.
//
//   node server.js [PORT]        (0 or nothing: a free port)
//
// Prints one line `SESAME_OIDC_DISCOVERY=<url>` once it listens, then serves
// until killed (or until its stdin closes, so a test that dies takes it along).

import * as http from 'node:http';
import { timingSafeEqual } from 'node:crypto';

import Provider, { errors } from 'oidc-provider';

export const CLIENT_ID = 'c9000000-0000-4000-8000-000000000001';
export const REDIRECT_URI = 'https://app.sesame.example/callback';

// Test people. `password` is what the password grant accepts; the development
// login page accepts any login (it is oidc-provider's, not ours).
const USERS = {
  'alice@example.test': {
    password: 'Alice-Oidc-Pass-1',
    name: 'Alice Example',
    given_name: 'Alice',
    family_name: 'Example',
  },
  'bob@example.test': {
    password: 'Bob-Oidc-Pass-2',
    name: 'Bob Example',
    given_name: 'Bob',
    family_name: 'Example',
  },
};

// The development login page makes what was typed the account ID, and
// oidc-provider issues the account ID as `sub`: a person's `sub` is their login.
function account(login) {
  const email = String(login || '').toLowerCase();
  const u = USERS[email];
  if (!u) {
    return undefined;
  }
  return {
    accountId: email,
    async claims() {
      return {
        sub: email,
        email,
        email_verified: true,
        preferred_username: email,
        name: u.name,
        given_name: u.given_name,
        family_name: u.family_name,
      };
    },
  };
}

function sameSecret(a, b) {
  const x = Buffer.from(String(a));
  const y = Buffer.from(String(b));
  return x.length === y.length && timingSafeEqual(x, y);
}

const port = Number(process.argv[2] || process.env.PORT || 0);
const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token', 'password'],
        response_types: ['code'],
      },
    ],
    // The development login accepts any login; map it to our people.
    async findAccount(ctx, id) {
      return account(id);
    },
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    },
    // Put the scope's claims in the ID token too (as Entra does), not only
    // at the userinfo endpoint.
    conformIdTokenClaims: false,
    features: {
      devInteractions: { enabled: true },
    },
  });
  provider.proxy = false;

  // Resource-owner password grant: what Sesame's password check sends.
  provider.registerGrantType(
    'password',
    async (ctx) => {
      const { username, password, scope } = ctx.oidc.params;
      const user = USERS[String(username || '').toLowerCase()];
      if (!user || !sameSecret(user.password, password || '')) {
        throw new errors.InvalidGrant('invalid username or password');
      }
      const { client } = ctx.oidc;
      const found = account(username);
      const scopes = new Set(String(scope || 'openid').split(' '));
      scopes.add('openid');
      const granted = [...scopes].filter((s) => ['openid', 'email', 'profile'].includes(s)).join(' ');
      const { AccessToken, IdToken } = ctx.oidc.provider;
      const at = new AccessToken({
        accountId: found.accountId,
        client,
        scope: granted,
        gty: 'password',
      });
      const accessToken = await at.save();
      const claims = await found.claims();
      const idToken = new IdToken(claims, { ctx, client });
      idToken.scope = granted;
      const token = await idToken.issue({ use: 'idtoken' });
      ctx.body = {
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: at.expiration,
        scope: granted,
        id_token: token,
      };
    },
    ['username', 'password', 'scope'],
  );

  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  server.on('request', provider.callback());
  process.stdout.write(`SESAME_OIDC_DISCOVERY=${issuer}/.well-known/openid-configuration\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
