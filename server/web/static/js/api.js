// The advisor's REST calls (server/web/openapi.py): JSON in and out, the session's CSRF token
// on every state-changing request.

let csrf = null;

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `HTTP ${status}`);
    this.status = status;
    this.body = body || {};
  }
}

export async function api(method, path, body = undefined) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrf) headers["x-csrf-token"] = csrf;
  const response = await fetch(path, {method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body)});
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
  }
  if (!response.ok) throw new ApiError(response.status, data);
  if (data && data.csrf_token) csrf = data.csrf_token;
  return data;
}

export function forgetSession() {
  csrf = null;
}
