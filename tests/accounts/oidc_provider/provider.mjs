// A real OpenID Connect provider (the npm package `oidc-provider`) for the single sign-on tests.
//
// It stands in for a government SSO such as Nothi: one confidential client (GRS), RS256-signed ID
// tokens published on a JWKS endpoint, and the package's own sign-in and consent pages, where any
// login is accepted and becomes the account's `sub`. Settings come from the environment; once it
// listens it prints one line, `ready <issuer>`, for the test that started it.
import { generateKeyPair, exportJWK } from "jose";
import Provider from "oidc-provider";

const port = Number(process.env.OIDC_PORT || 0);
const host = "127.0.0.1";
const { privateKey } = await generateKeyPair("RS256", { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), use: "sig", alg: "RS256", kid: "test-signing-key" };

function configuration(issuer) {
  return {
    clients: [
      {
        client_id: process.env.OIDC_CLIENT_ID,
        client_secret: process.env.OIDC_CLIENT_SECRET,
        redirect_uris: process.env.OIDC_REDIRECT_URIS.split(" "),
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
        id_token_signed_response_alg: "RS256",
      },
    ],
    jwks: { keys: [jwk] },
    claims: { openid: ["sub"], profile: ["name"], email: ["email"] },
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, name: `Officer ${id}`, email: `${id}@nothi.example` };
        },
      };
    },
    cookies: { keys: ["grs-test-cookie-key"] },
    features: { devInteractions: { enabled: true } },
    // Keep the flow to what a browser does; no refresh tokens or extra grants.
    ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
  };
}

// Bind first so that an ephemeral port (OIDC_PORT=0) is known before the issuer is named.
import http from "node:http";
const server = http.createServer();
server.listen(port, host, () => {
  const issuer = `http://${host}:${server.address().port}`;
  const provider = new Provider(issuer, configuration(issuer));
  server.on("request", provider.callback());
  process.stdout.write(`ready ${issuer}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
