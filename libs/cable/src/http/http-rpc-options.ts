/** Options of the RPC over HTTP endpoint (`CableModule.forRoot({ httpRpc })`). */
export interface CableHttpRpcOptions {
  /** Mount path, e.g. `/_anycable`: the gateway's `rpc_host` is `http://<this app>/_anycable`. */
  path: string;
  /**
   * The `Authorization: Bearer` secret every call must carry (anycable-go `http_rpc_secret`, or
   * `deriveRpcSecret(secret)`); '' accepts calls without one (only behind a private network).
   */
  secret: string;
}
