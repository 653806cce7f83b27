// jsforce routes every request through these proxies when set and ignores NO_PROXY.
for (const k of ["http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"]) delete process.env[k];
