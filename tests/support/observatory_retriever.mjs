// Offline stand-in for the Observatory's retriever: the responses a browser would get from a
// Netlify site serving the headers under test, built the way the Observatory's own test helpers
// build them (test/helpers.js `emptyRequests`).
import { AxiosHeaders } from "axios";
import { Requests } from "@mdn/mdn-http-observatory/src/types.js";
import { Session } from "@mdn/mdn-http-observatory/src/retriever/session.js";
import { parseHttpEquivHeaders } from "@mdn/mdn-http-observatory/src/retriever/utils.js";

function response(headers, body, status = 200) {
  const axiosHeaders = new AxiosHeaders();
  for (const [name, value] of Object.entries(headers)) {
    axiosHeaders.set(name, value);
  }
  return {
    headers: axiosHeaders,
    request: { headers: new AxiosHeaders() },
    status,
    statusText: "OK",
    verified: true,
    data: body,
    config: { headers: new AxiosHeaders() },
  };
}

export async function retrieve(hostname) {
  const input = globalThis.__observatoryInput;
  const page = `https://${hostname}/`;
  const headers = { "Content-Type": "text/html; charset=utf-8", ...input.headers };
  const req = new Requests(hostname);
  req.resources.path = input.html;
  req.responses.auto = response(headers, input.html);
  req.responses.https = response(headers, input.html);
  req.responses.http = response(headers, input.html);
  req.responses.cors = response(headers, "");
  // Netlify with force_ssl answers http:// with a 301 to the same host over https.
  req.responses.httpRedirects = input.httpsRedirect
    ? [
        { url: new URL(`http://${hostname}/`), status: 301 },
        { url: new URL(page), status: 200 },
      ]
    : [{ url: new URL(`http://${hostname}/`), status: 200 }];
  req.responses.httpsRedirects = [{ url: new URL(page), status: 200 }];
  req.session = new Session(new URL(page));
  req.responses.auto.httpEquiv = parseHttpEquivHeaders(input.html, page);
  return req;
}
