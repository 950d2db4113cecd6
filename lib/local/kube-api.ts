/**
 * A small client of the Kubernetes API over HTTPS with a client certificate, as kubectl talks to a
 * cluster with a kubeconfig: discovery (which resource a kind is, and whether it is namespaced),
 * server-side apply with strict field validation, create, get, list, delete. Each response keeps
 * the server's `Warning` headers, so a caller can insist on none. Used against the local control
 * plane (scripts/k8s-control-plane.sh) by the integration tests and the benchmark.
 */
import { readFileSync } from 'fs';
import { Agent, request } from 'https';
import { dirname, resolve } from 'path';
import { parse } from 'yaml';
import { K8sObject } from './manifest';

/**
 * Where a cluster is and who we are there: the PEM contents of a kubeconfig's files (a client
 * certificate), or a bearer token (a service account's, from the TokenRequest API).
 */
export interface KubeCredentials {
  readonly server: string;
  readonly ca: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly token?: string;
}

/** One answer of the API server; `body` is parsed JSON (or the raw text when it is not JSON). */
export interface KubeResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  /** The texts of the `Warning` headers (RFC 7234 form `299 - "text"`, unquoted here). */
  readonly warnings: string[];
}

/** A refused request: the Status object's reason and message. */
export class KubeApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly reason: string,
    readonly serverMessage: string,
  ) {
    super(`${method} ${path}: ${status} ${reason}: ${serverMessage}`);
  }
}

/**
 * The credentials of a kubeconfig's current context, as the script writes them: certificate files
 * (the admin) or a bearer token (a user).
 */
export function loadKubeconfig(path: string): KubeCredentials {
  const doc = parse(readFileSync(path, 'utf8')) as {
    'current-context': string;
    contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
    clusters: Array<{ name: string; cluster: { server: string; 'certificate-authority': string } }>;
    users: Array<{
      name: string;
      user: { 'client-certificate'?: string; 'client-key'?: string; token?: string };
    }>;
  };
  const context = doc.contexts.find((c) => c.name === doc['current-context'])?.context;
  const cluster = doc.clusters.find((c) => c.name === context?.cluster)?.cluster;
  const user = doc.users.find((u) => u.name === context?.user)?.user;
  if (!context || !cluster || !user) {
    throw new Error(`${path}: no cluster and user for the current context "${doc['current-context']}"`);
  }
  const file = (p: string) => readFileSync(resolve(dirname(path), p));
  const ca = file(cluster['certificate-authority']);
  if (user.token !== undefined) return { server: cluster.server, ca, token: user.token };
  if (user['client-certificate'] === undefined || user['client-key'] === undefined) {
    throw new Error(`${path}: user "${context.user}" has neither a token nor a client certificate and key`);
  }
  return {
    server: cluster.server,
    ca,
    cert: file(user['client-certificate']),
    key: file(user['client-key']),
  };
}

interface ApiResource {
  readonly name: string;
  readonly kind: string;
  readonly namespaced: boolean;
}

/** What a request names: a kind of an API version, optionally one object of it. */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name?: string;
}

/** Options of {@link KubeClient.list}. */
export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export class KubeClient {
  private readonly agent: Agent;
  private readonly discovery = new Map<string, Promise<Map<string, ApiResource>>>();

  /** `maxSockets` bounds the connections (and so the requests in flight) to the server. */
  constructor(
    private readonly credentials: KubeCredentials,
    maxSockets = 8,
  ) {
    this.agent = new Agent({
      ca: credentials.ca,
      cert: credentials.cert,
      key: credentials.key,
      keepAlive: true,
      maxSockets,
    });
  }

  /** A client of the same server with a service account's token instead (TokenRequest API). */
  async asServiceAccount(namespace: string, name: string, expirationSeconds = 600): Promise<KubeClient> {
    const res = await this.call<{ status: { token: string } }>(
      'POST',
      `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`,
      { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } },
    );
    return new KubeClient({
      server: this.credentials.server,
      ca: this.credentials.ca,
      token: res.body.status.token,
    });
  }

  /** Close the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }

  /** One request; never throws on an HTTP status (see {@link call}). */
  request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<KubeResponse<T>> {
    const url = new URL(path, this.credentials.server);
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolvePromise, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            Accept: 'application/json',
            ...(this.credentials.token ? { Authorization: `Bearer ${this.credentials.token}` } : {}),
            ...(payload === undefined
              ? {}
              : { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) }),
          },
          timeout: 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              // not JSON: keep the text
            }
            const warnings: string[] = [];
            for (let i = 0; i < res.rawHeaders.length; i += 2) {
              if (res.rawHeaders[i].toLowerCase() === 'warning') {
                warnings.push(parseWarning(res.rawHeaders[i + 1]));
              }
            }
            resolvePromise({ status: res.statusCode ?? 0, body: parsed as T, warnings });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** One request that must succeed (status < 400), else a {@link KubeApiError}. */
  async call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<KubeResponse<T>> {
    const res = await this.request<T>(method, path, body, contentType);
    if (res.status >= 400) {
      const status = (res.body ?? {}) as { reason?: string; message?: string };
      throw new KubeApiError(
        method,
        path,
        res.status,
        status.reason ?? 'Unknown',
        status.message ?? JSON.stringify(res.body),
      );
    }
    return res;
  }

  /** The REST path of a kind (a collection) or of one object, from the server's discovery. */
  async path(ref: ObjectRef): Promise<string> {
    const resource = await this.resource(ref.apiVersion, ref.kind);
    const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
    // As kubectl does: a namespaced object without a namespace goes to `default`; a cluster-scoped
    // object is addressed without one, whatever its metadata says (the server clears it).
    const ns = resource.namespaced ? `/namespaces/${ref.namespace ?? 'default'}` : '';
    return `${base}${ns}/${resource.name}${ref.name ? `/${ref.name}` : ''}`;
  }

  /** Whether the kind is namespaced (from discovery). */
  async namespaced(apiVersion: string, kind: string): Promise<boolean> {
    return (await this.resource(apiVersion, kind)).namespaced;
  }

  /**
   * Server-side apply of one object, as `kubectl apply --server-side --validate=strict` sends it:
   * unknown or duplicate fields are errors, not warnings.
   */
  async apply(obj: K8sObject, fieldManager = 'cohort-lab'): Promise<KubeResponse<K8sObject>> {
    const path = await this.path({ ...obj, name: obj.metadata.name, namespace: obj.metadata.namespace });
    const query = `fieldManager=${encodeURIComponent(fieldManager)}&fieldValidation=Strict`;
    return this.call<K8sObject>('PATCH', `${path}?${query}`, obj, 'application/apply-patch+yaml');
  }

  /** Create one object (POST to its collection); refusals come back as the response, not thrown. */
  async create(obj: K8sObject, query = ''): Promise<KubeResponse<unknown>> {
    const path = await this.path({ ...obj, name: undefined, namespace: obj.metadata.namespace });
    return this.request('POST', `${path}?fieldValidation=Strict${query ? `&${query}` : ''}`, obj);
  }

  /** The object, or undefined when it does not exist. */
  async get<T = K8sObject>(ref: ObjectRef & { readonly name: string }): Promise<T | undefined> {
    const res = await this.request<T>('GET', await this.path(ref));
    if (res.status === 404) return undefined;
    if (res.status >= 400)
      throw new KubeApiError('GET', await this.path(ref), res.status, 'Error', String(res.body));
    return res.body;
  }

  /** Every object of a kind (in one namespace or everywhere). */
  async list<T = K8sObject>(apiVersion: string, kind: string, opts: ListOptions = {}): Promise<T[]> {
    const resource = await this.resource(apiVersion, kind);
    const base = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
    const ns = resource.namespaced && opts.namespace ? `/namespaces/${opts.namespace}` : '';
    const query = new URLSearchParams();
    if (opts.labelSelector) query.set('labelSelector', opts.labelSelector);
    if (opts.fieldSelector) query.set('fieldSelector', opts.fieldSelector);
    const q = query.toString();
    const res = await this.call<{ items: T[] }>('GET', `${base}${ns}/${resource.name}${q ? `?${q}` : ''}`);
    // A list's items carry no apiVersion and kind: put them back, so they can be addressed again.
    return res.body.items.map((item) => ({ apiVersion, kind, ...item }));
  }

  /**
   * Delete one object as `kubectl delete` does (cascade in the background); false when it was
   * already gone.
   */
  async delete(ref: ObjectRef & { readonly name: string }): Promise<boolean> {
    const path = await this.path(ref);
    const res = await this.request('DELETE', path, { propagationPolicy: 'Background' });
    if (res.status === 404) return false;
    if (res.status >= 400) {
      const status = (res.body ?? {}) as { reason?: string; message?: string };
      throw new KubeApiError('DELETE', path, res.status, status.reason ?? 'Unknown', status.message ?? '');
    }
    return true;
  }

  private async resource(apiVersion: string, kind: string): Promise<ApiResource> {
    let found = (await this.resources(apiVersion)).get(kind);
    if (!found) {
      // A CRD installed since the last look: ask again once.
      this.discovery.delete(apiVersion);
      found = (await this.resources(apiVersion)).get(kind);
    }
    if (!found) {
      throw new Error(`the server has no kind ${kind} in ${apiVersion} (is its CRD installed?)`);
    }
    return found;
  }

  private resources(apiVersion: string): Promise<Map<string, ApiResource>> {
    let known = this.discovery.get(apiVersion);
    if (!known) {
      const path = apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
      known = this.request<{ resources?: ApiResource[] }>('GET', path).then((res) => {
        const byKind = new Map<string, ApiResource>();
        for (const r of res.status === 200 ? (res.body.resources ?? []) : []) {
          if (!r.name.includes('/')) byKind.set(r.kind, r);
        }
        return byKind;
      });
      this.discovery.set(apiVersion, known);
    }
    return known;
  }
}

/** The text of a `Warning` header value: `299 - "text"` → `text`. */
export function parseWarning(value: string): string {
  const m = /^\d{3} \S+ "((?:[^"\\]|\\.)*)"/.exec(value);
  return m ? m[1].replace(/\\(.)/g, '$1') : value;
}
