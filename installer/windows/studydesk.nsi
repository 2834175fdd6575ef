; StudyDesk Windows installer (NSIS 3, Unicode, MUI2). Per-machine install into Program Files.
;
; Build (see README, "Installing at a site"):
;   python installer\nsis.py dist\studydesk build\nsis      (writes the exact file lists)
;   makensis /INPUTCHARSET UTF8 /DVERSION=0.1.0 /DSRCDIR=dist\studydesk /DINCDIR=build\nsis ^
;            /DOUTFILE=dist\studydesk_0.1.0_setup.exe installer\windows\studydesk.nsi
;
; Silent install for mass deployment (as administrator):
;   studydesk_0.1.0_setup.exe /S /SITE=\\fileserver\it\site.toml
;   studydesk_0.1.0_setup.exe /S /SERVER=https://study.example.gov.cn
; /SITE= copies that file (and any .pem CA file beside it) to %PROGRAMDATA%\StudyDesk\; /SERVER=
; (used when no /SITE= is given) writes a minimal site file with that server. Without either, a
; site.toml next to the setup or one folder above it (the offline site kit) is used; else an
; existing site file is kept, else (interactive only) a page asks for the server address, else
; the commented example is written. Silent uninstall: "%PROGRAMFILES%\StudyDesk\uninstall.exe" /S  (add /REMOVESITE to
; also delete the site file). People's data in %LOCALAPPDATA%\StudyDesk is never removed.

Unicode true
ManifestDPIAware true
!ifdef STORE_ONLY
  SetCompress off  ; quick builds that only prove the script (tests)
!else
  SetCompressor /SOLID lzma
!endif
RequestExecutionLevel admin

!ifndef VERSION
  !define VERSION "0.0.0"
!endif
!ifndef VERSION_NUMERIC
  !define VERSION_NUMERIC "0.0.0.0"
!endif
!ifndef SRCDIR
  !error "define SRCDIR: the frozen folder (dist\studydesk)"
!endif
!ifndef INCDIR
  !error "define INCDIR: the folder with files_install.nsh and files_uninstall.nsh (installer/nsis.py)"
!endif
!ifndef OUTFILE
  !define OUTFILE "studydesk_${VERSION}_setup.exe"
!endif
!ifndef SITE_EXAMPLE
  !define SITE_EXAMPLE "../site.example.toml"  ; makensis works in the script's folder
!endif

!define APPNAME "StudyDesk"
!define APPKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\StudyDesk"
!define EXE "studydesk.exe"

!include "MUI2.nsh"
!include "FileFunc.nsh"
!include "LogicLib.nsh"
!include "x64.nsh"
!include "nsDialogs.nsh"

Name "$(AppDisplayName)"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\${APPNAME}"
InstallDirRegKey HKLM "${APPKEY}" "InstallLocation"
BrandingText "${APPNAME} ${VERSION}"

VIProductVersion "${VERSION_NUMERIC}"
VIAddVersionKey /LANG=0 "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=0 "FileDescription" "${APPNAME} installer"
VIAddVersionKey /LANG=0 "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=0 "LegalCopyright" "StudyDesk maintainers"

!ifdef ICON
  !define MUI_ICON "${ICON}"
  !define MUI_UNICON "${ICON}"
!endif
!define MUI_ABORTWARNING
!define MUI_LANGDLL_ALLLANGUAGES
!define MUI_LANGDLL_REGISTRY_ROOT HKLM
!define MUI_LANGDLL_REGISTRY_KEY "${APPKEY}"
!define MUI_LANGDLL_REGISTRY_VALUENAME "InstallerLanguage"
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXE}"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
Page custom ServerPageShow ServerPageLeave  ; only when no site file comes with this install
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH
!insertmacro MUI_UNPAGE_CONFIRM
!insertmacro MUI_UNPAGE_INSTFILES

; The first language is the default when Windows' UI language is neither.
!insertmacro MUI_LANGUAGE "SimpChinese"
!insertmacro MUI_LANGUAGE "English"
!insertmacro MUI_RESERVEFILE_LANGDLL

LangString AppDisplayName ${LANG_SIMPCHINESE} "学习桌 StudyDesk"
LangString AppDisplayName ${LANG_ENGLISH} "StudyDesk"
LangString ShortcutName ${LANG_SIMPCHINESE} "学习桌"
LangString ShortcutName ${LANG_ENGLISH} "StudyDesk"
LangString UninstallName ${LANG_SIMPCHINESE} "卸载学习桌"
LangString UninstallName ${LANG_ENGLISH} "Uninstall StudyDesk"
LangString Need64 ${LANG_SIMPCHINESE} "学习桌需要 64 位的 Windows 10 或更高版本。"
LangString Need64 ${LANG_ENGLISH} "StudyDesk needs 64-bit Windows 10 or later."
LangString SiteMissing ${LANG_SIMPCHINESE} "找不到 /SITE= 指定的站点文件："
LangString SiteMissing ${LANG_ENGLISH} "The site file given with /SITE= was not found: "
LangString AskRemoveSite ${LANG_SIMPCHINESE} "是否同时删除本机的站点配置文件（site.toml）？$\r$\n学员的学习数据不会被删除。"
LangString AskRemoveSite ${LANG_ENGLISH} "Also delete this PC's site file (site.toml)?$\r$\nPeople's study data is not deleted."

LangString ServerTitle ${LANG_SIMPCHINESE} "服务器地址"
LangString ServerTitle ${LANG_ENGLISH} "Server address"
LangString ServerSubtitle ${LANG_SIMPCHINESE} "本单位的学习服务器（可稍后修改站点配置文件）"
LangString ServerSubtitle ${LANG_ENGLISH} "Your site's training server (the site file can be changed later)"
LangString ServerHelp ${LANG_SIMPCHINESE} "请输入信息化管理员提供的服务器地址，例如 https://study.example.gov.cn 。$\r$\n不知道时可留空：安装后由管理员修改 %PROGRAMDATA%\StudyDesk\site.toml。"
LangString ServerHelp ${LANG_ENGLISH} "Enter the server address your IT staff gave you, e.g. https://study.example.gov.cn.$\r$\nLeave it empty if you do not know it: IT can edit %PROGRAMDATA%\StudyDesk\site.toml later."
LangString ServerBad ${LANG_SIMPCHINESE} "服务器地址应以 http:// 或 https:// 开头。"
LangString ServerBad ${LANG_ENGLISH} "The server address must start with http:// or https://."

Var SiteArg
Var ServerArg
Var ServerField

Function ServerPageShow
  ${If} $SiteArg != ""
  ${OrIf} $ServerArg != ""
  ${OrIf} ${FileExists} "$APPDATA\${APPNAME}\site.toml"
    Abort  ; a site file comes with this install, or one is already there: skip the page
  ${EndIf}
  !insertmacro MUI_HEADER_TEXT "$(ServerTitle)" "$(ServerSubtitle)"
  nsDialogs::Create 1018
  Pop $0
  ${NSD_CreateLabel} 0 0 100% 40u "$(ServerHelp)"
  Pop $0
  ${NSD_CreateText} 0 46u 100% 13u "https://"
  Pop $ServerField
  nsDialogs::Show
FunctionEnd

Function ServerPageLeave
  ${NSD_GetText} $ServerField $0
  ${If} $0 == ""
  ${OrIf} $0 == "https://"
    StrCpy $ServerArg ""
    Return
  ${EndIf}
  StrCpy $1 $0 7
  StrCpy $2 $0 8
  ${If} $1 != "http://"
  ${AndIf} $2 != "https://"
    MessageBox MB_ICONEXCLAMATION "$(ServerBad)"
    Abort  ; stay on the page
  ${EndIf}
  StrCpy $ServerArg $0
FunctionEnd

Function .onInit
  ${IfNot} ${RunningX64}
    MessageBox MB_ICONSTOP "$(Need64)" /SD IDOK
    Abort
  ${EndIf}
  SetRegView 64
  SetShellVarContext all
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/SITE=" $SiteArg
  ClearErrors
  ${GetOptions} $R0 "/SERVER=" $ServerArg
  ClearErrors
  ; from an offline site kit: the kit's site file lies next to (or one folder above) this setup
  ${If} $SiteArg == ""
  ${AndIf} $ServerArg == ""
    ${If} ${FileExists} "$EXEDIR\site.toml"
      StrCpy $SiteArg "$EXEDIR\site.toml"
    ${ElseIf} ${FileExists} "$EXEDIR\..\site.toml"
      GetFullPathName $SiteArg "$EXEDIR\..\site.toml"
    ${EndIf}
  ${EndIf}
  ${If} $SiteArg != ""
  ${AndIfNot} ${FileExists} "$SiteArg"
    MessageBox MB_ICONSTOP "$(SiteMissing)$SiteArg" /SD IDOK
    SetErrorLevel 2
    Quit
  ${EndIf}
  ${IfNot} ${Silent}
    !insertmacro MUI_LANGDLL_DISPLAY
  ${EndIf}
FunctionEnd

Function WriteSiteFile
  CreateDirectory "$APPDATA\${APPNAME}"
  ${If} $SiteArg != ""
    CopyFiles /SILENT "$SiteArg" "$APPDATA\${APPNAME}\site.toml"
    ; the site CA certificate a site file names by a relative path sits beside it
    ${GetParent} "$SiteArg" $1
    CopyFiles /SILENT "$1\*.pem" "$APPDATA\${APPNAME}"
  ${ElseIf} $ServerArg != ""
    FileOpen $0 "$APPDATA\${APPNAME}\site.toml" w
    FileWrite $0 "# Written by the StudyDesk installer (/SERVER=). See site.example.toml for every setting.$\r$\n"
    FileWrite $0 "[server]$\r$\n"
    FileWrite $0 'url = "$ServerArg"$\r$\n'
    FileClose $0
  ${ElseIfNot} ${FileExists} "$APPDATA\${APPNAME}\site.toml"
    File "/oname=$APPDATA\${APPNAME}\site.toml" "${SITE_EXAMPLE}"
  ${EndIf}
FunctionEnd

Section "StudyDesk" SecMain
  SectionIn RO
  SetShellVarContext all
  SetOutPath "$INSTDIR"
  !include "${INCDIR}\files_install.nsh"
  Call WriteSiteFile
  WriteUninstaller "$INSTDIR\uninstall.exe"
  CreateDirectory "$SMPROGRAMS\${APPNAME}"
  CreateShortcut "$SMPROGRAMS\${APPNAME}\$(ShortcutName).lnk" "$INSTDIR\${EXE}"
  CreateShortcut "$SMPROGRAMS\${APPNAME}\$(UninstallName).lnk" "$INSTDIR\uninstall.exe"
  CreateShortcut "$DESKTOP\$(ShortcutName).lnk" "$INSTDIR\${EXE}"
  ; remember the shortcut names: the uninstaller may run in the other language
  WriteRegStr HKLM "${APPKEY}" "ShortcutName" "$(ShortcutName)"
  WriteRegStr HKLM "${APPKEY}" "UninstallName" "$(UninstallName)"
  WriteRegStr HKLM "${APPKEY}" "DisplayName" "$(AppDisplayName)"
  WriteRegStr HKLM "${APPKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKLM "${APPKEY}" "Publisher" "StudyDesk"
  WriteRegStr HKLM "${APPKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKLM "${APPKEY}" "DisplayIcon" "$INSTDIR\${EXE}"
  WriteRegStr HKLM "${APPKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKLM "${APPKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKLM "${APPKEY}" "NoModify" 1
  WriteRegDWORD HKLM "${APPKEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  WriteRegDWORD HKLM "${APPKEY}" "EstimatedSize" $0
SectionEnd

Function un.onInit
  SetRegView 64
  SetShellVarContext all
  !insertmacro MUI_UNGETLANGUAGE
FunctionEnd

Section "Uninstall"
  SetShellVarContext all
  ReadRegStr $1 HKLM "${APPKEY}" "ShortcutName"
  ReadRegStr $2 HKLM "${APPKEY}" "UninstallName"
  ${If} $1 != ""
    Delete "$DESKTOP\$1.lnk"
    Delete "$SMPROGRAMS\${APPNAME}\$1.lnk"
  ${EndIf}
  ${If} $2 != ""
    Delete "$SMPROGRAMS\${APPNAME}\$2.lnk"
  ${EndIf}
  RMDir "$SMPROGRAMS\${APPNAME}"
  !include "${INCDIR}\files_uninstall.nsh"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  ; the site file stays unless asked (/REMOVESITE, or "yes" when uninstalling by hand)
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/REMOVESITE" $R1
  ${IfNot} ${Errors}
    Delete "$APPDATA\${APPNAME}\site.toml"
    Delete "$APPDATA\${APPNAME}\*.pem"
  ${ElseIfNot} ${Silent}
    MessageBox MB_YESNO|MB_DEFBUTTON2 "$(AskRemoveSite)" IDNO keep_site
    Delete "$APPDATA\${APPNAME}\site.toml"
    Delete "$APPDATA\${APPNAME}\*.pem"
    keep_site:
  ${EndIf}
  RMDir "$APPDATA\${APPNAME}"
  DeleteRegKey HKLM "${APPKEY}"
SectionEnd
