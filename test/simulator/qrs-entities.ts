/**
 * QRS wire shapes (qlik-api.md §2.2–2.4) built from the scenario plus the live addresses/ports.
 */
import { createHash } from 'node:crypto';
import type { ScenarioNode, ScenarioVirtualProxy } from './scenario.js';

const CREATED = '2024-01-01T10:00:00.000Z';
const MODIFIED_BY = 'INTERNAL\\sa_repository';
const SERVICE_CLUSTER_ID = '7a9c2b10-3333-4d2e-9f11-000000000001';

/** A stable GUID-shaped id derived from a string (for ids the scenario does not carry). */
export function stableGuid(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  const variant = '89ab'[parseInt(h.charAt(16), 16) % 4];
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** What the QRS layer needs to know about a running node. */
export interface LiveNode {
  node: ScenarioNode;
  /** Loopback address the node's QPS listens on; reported as serverNodeConfiguration.hostName. */
  address: string;
  /** Actual QPS (REST) port; reported as settings.restListenPort. */
  port: number;
}

export function serverNodeCondensed(n: LiveNode): Record<string, unknown> {
  return {
    id: n.node.serverNodeConfigurationId,
    privileges: null,
    name: n.node.name,
    hostName: n.node.qrsHostName ?? n.address,
    temporaryfilepath: 'C:\\Users\\qservice\\AppData\\Local\\Temp\\',
    roles: [],
    serviceCluster: { id: SERVICE_CLUSTER_ID, name: 'ServiceCluster', privileges: null },
  };
}

function meta(id: string): Record<string, unknown> {
  return {
    id,
    createdDate: CREATED,
    modifiedDate: CREATED,
    modifiedByUserName: MODIFIED_BY,
  };
}

/** VirtualProxyConfigCondensed, as embedded in ProxyServiceSettings.virtualProxies. */
export function virtualProxyCondensed(vp: ScenarioVirtualProxy): Record<string, unknown> {
  return {
    id: vp.id,
    privileges: null,
    prefix: vp.prefix,
    description: vp.description,
    authenticationModuleRedirectUri: '',
    sessionModuleBaseUri: '',
    loadBalancingModuleBaseUri: '',
    authenticationMethod: vp.authenticationMethod ?? 0,
    anonymousAccessMode: vp.anonymousAccessMode ?? 0,
    windowsAuthenticationEnabledDevicePattern: 'Windows',
    sessionCookieHeaderName: vp.sessionCookieHeaderName,
    sessionCookieDomain: '',
    additionalResponseHeaders: '',
    sessionInactivityTimeout: 30,
    extendedSecurityEnvironment: false,
    defaultVirtualProxy: vp.defaultVirtualProxy,
    tags: [],
  };
}

/** Full VirtualProxyConfig (`GET /qrs/virtualproxyconfig/full`). */
export function virtualProxyFull(vp: ScenarioVirtualProxy, nodesByName: Map<string, LiveNode>): Record<string, unknown> {
  const lb = vp.loadBalancingServerNodes.flatMap((name) => {
    const n = nodesByName.get(name);
    return n ? [n] : [];
  });
  return {
    ...meta(vp.id),
    customProperties: [],
    prefix: vp.prefix,
    description: vp.description,
    authenticationModuleRedirectUri: '',
    sessionModuleBaseUri: '',
    loadBalancingModuleBaseUri: '',
    useStickyLoadBalancing: false,
    loadBalancingServerNodes: lb.map(serverNodeCondensed),
    authenticationMethod: vp.authenticationMethod ?? 0,
    headerAuthenticationMode: 0,
    headerAuthenticationHeaderName: '',
    headerAuthenticationStaticUserDirectory: '',
    headerAuthenticationDynamicUserDirectory: '',
    anonymousAccessMode: vp.anonymousAccessMode ?? 0,
    windowsAuthenticationEnabledDevicePattern: 'Windows',
    sessionCookieHeaderName: vp.sessionCookieHeaderName,
    sessionCookieDomain: '',
    hasSecureAttributeHttps: true,
    sameSiteAttributeHttps: 3,
    hasSecureAttributeHttp: false,
    sameSiteAttributeHttp: 0,
    additionalResponseHeaders: '',
    sessionInactivityTimeout: 30,
    extendedSecurityEnvironment: false,
    websocketCrossOriginWhiteList: lb.map((n) => n.node.hostName ?? n.address),
    defaultVirtualProxy: vp.defaultVirtualProxy,
    tags: [],
    samlMetadataIdP: '',
    samlHostUri: '',
    samlEntityId: '',
    samlAttributeUserId: '',
    samlAttributeUserDirectory: '',
    samlAttributeSigningAlgorithm: 0,
    samlAttributeMap: [],
    jwtAttributeUserId: '',
    jwtAttributeUserDirectory: '',
    jwtAudience: '',
    jwtPublicKeyCertificate: '',
    jwtAttributeMap: [],
    magicLinkHostUri: '',
    magicLinkFriendlyName: '',
    samlSlo: false,
    oidcConfigurationEndpointUri: '',
    oidcClientId: '',
    oidcClientSecret: '',
    oidcRealm: '',
    oidcAttributeSub: '',
    oidcAttributeName: '',
    oidcAttributeGroups: '',
    oidcAttributeEmail: '',
    oidcAttributeClientId: '',
    oidcAttributePicture: '',
    oidcScope: '',
    oidcAttributeMap: [],
    enableEngineSaturationCheck: false,
    enableEngineHealthCheckData: false,
    loadBalancingAlgorithm: 0,
    privileges: null,
    schemaPath: 'VirtualProxyConfig',
  };
}

/** Full ProxyService (`GET /qrs/proxyservice/full`, `/local`). */
export function proxyServiceFull(n: LiveNode, linked: ScenarioVirtualProxy[]): Record<string, unknown> {
  const settingsId = stableGuid(`settings:${n.node.id}`);
  return {
    ...meta(n.node.id),
    customProperties: [],
    tags: [],
    settings: {
      ...meta(settingsId),
      listenPort: 443,
      allowHttp: false,
      unencryptedListenPort: 80,
      authenticationListenPort: 4244,
      kerberosAuthentication: false,
      unencryptedAuthenticationListenPort: 4248,
      sslBrowserCertificateThumbprint: '',
      keepAliveTimeoutSeconds: 10,
      maxHeaderSizeBytes: 16384,
      maxHeaderLines: 100,
      logVerbosity: {
        ...meta(stableGuid(`logverbosity:${n.node.id}`)),
        logVerbosityAuditActivity: 4,
        logVerbosityAuditSecurity: 4,
        logVerbosityService: 4,
        logVerbosityAudit: 4,
        logVerbosityPerformance: 4,
        logVerbositySecurity: 4,
        logVerbositySystem: 4,
        privileges: null,
        schemaPath: 'ProxyServiceSettingsLogVerbosity',
      },
      useWsTrace: false,
      performanceLoggingInterval: 5,
      restListenPort: n.port,
      virtualProxies: linked.map(virtualProxyCondensed),
      formAuthenticationPageTemplate: '',
      loggedOutPageTemplate: '',
      errorPageTemplate: '',
      privileges: null,
      schemaPath: 'ProxyServiceSettings',
    },
    serverNodeConfiguration: serverNodeCondensed(n),
    privileges: null,
    schemaPath: 'ProxyService',
  };
}

/** ProxyServiceCondensed (`GET /qrs/proxyservice`). */
export function proxyServiceCondensed(n: LiveNode): Record<string, unknown> {
  return { id: n.node.id, privileges: null };
}

export function aboutBody(): Record<string, unknown> {
  return {
    schemaPath: 'About',
    buildVersion: '25.15.2.0',
    buildDate: '6/7/2019 09:04:33 AM',
    databaseProvider: 'Devart.Data.PostgreSql',
    nodeType: 1,
    sharedPersistence: true,
    requiresBootstrap: false,
    singleNodeOnly: false,
  };
}
