// Offline stand-in for the Observatory's HSTS preload lookup: no host is preloaded, so the
// score reflects the served headers alone (preload status is a property of the domain, not of
// the `_headers` file under test).
export function hsts() {
  return new Map();
}

export function isHstsPreloaded(_hostname) {
  return null;
}
