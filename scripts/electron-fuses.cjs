// electron-builder afterPack hook (electron-builder.yml: afterPack): flips Electron's fuses in
// the packaged binary, before it is signed. Fuses are bits in the executable itself, so they hold
// whatever environment or arguments the app is started with:
//   RunAsNode off             ELECTRON_RUN_AS_NODE cannot turn the app into a plain Node.js
//   NodeOptions off           NODE_OPTIONS cannot inject code (--require) into it
//   NodeCliInspect off        --inspect cannot open a debugger on it
//   CookieEncryption on       the session's cookies are encrypted at rest with the OS keychain
//   AsarIntegrity on          the app.asar is checked against the hash embedded at package time
//   OnlyLoadAppFromAsar on    the app is loaded only from app.asar, not from an app/ folder beside it
//   FileProtocolExtraPrivileges off  file:// pages get no extra powers (the UI loads from layerlab://)
const path = require('node:path');

/** The fuse settings, a plain object so tests can check them without Electron. */
function fuseConfig() {
  const { FuseVersion, FuseV1Options } = require('@electron/fuses');
  return {
    version: FuseVersion.V1,
    strictlyRequireAllFuses: true,
    // The ad-hoc signature of an unsigned macOS build would not match the changed binary.
    resetAdHocDarwinSignature: true,
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  };
}

/** The packaged Electron executable electron-builder wrote into appOutDir for this platform. */
function electronBinary(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const name = packager.appInfo.productFilename;
  if (electronPlatformName === 'darwin' || electronPlatformName === 'mas') return path.join(appOutDir, `${name}.app`);
  if (electronPlatformName === 'win32') return path.join(appOutDir, `${name}.exe`);
  return path.join(appOutDir, packager.executableName);
}

async function afterPack(context) {
  const { flipFuses } = require('@electron/fuses');
  await flipFuses(electronBinary(context), fuseConfig());
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.fuseConfig = fuseConfig;
module.exports.electronBinary = electronBinary;
