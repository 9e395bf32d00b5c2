"""Catalogue entries for what the Web Connector itself reports: its QBWC codes (every one of
../shared/reference/qbwc.md, and QBWC1085 from the field), authenticate's `nvu`, and the
problems its log shows in words rather than codes (https, an unreachable service, a second copy
of QuickBooks, the wrong company file). A paused, unlinked or deauthorized connection is
entries_connection's."""

from __future__ import annotations

from typing import Final

from qbdsync.diagnosis.explanation import Actor, Explanation

INVALID_USER: Final = "nvu"
HTTPS_PROBLEM: Final = "qbdsync:https-problem"
SERVICE_UNREACHABLE: Final = "qbdsync:service-unreachable"
SECOND_QUICKBOOKS: Final = "qbdsync:second-quickbooks"
# Also the code session.opening gives a refused company file.
WRONG_COMPANY_FILE: Final = "qbdsync:wrong-company-file"
# A QBWC code or a QuickBooks hresult in a log that the catalogue has no entry for.
UNKNOWN_CODE: Final = "qbdsync:unknown-code"

_QWC_AGAIN = (
    "Ask your provider for a fresh .qwc file and open it on the QuickBooks PC (double-click it, "
    "or Add an application in the Web Connector)."
)

ENTRIES: Final[tuple[Explanation, ...]] = (
    Explanation(
        key="qbwc-authentication-failed",
        codes=("QBWC1012",),
        title="The Web Connector could not sign in",
        user_message=(
            "The Web Connector could not sign in to the sync service: the service answered "
            "with something other than a proper reply, or the connection broke off."
        ),
        fix_steps=(
            "Click Update Selected once more: a one-off network problem clears by itself.",
            "If it keeps failing, tell your provider; the log's detail shows what the service "
            "answered.",
        ),
        operator_detail=(
            "QBWC1012 follows any failure of the authenticate call: an HTML error page or a "
            "stack trace instead of SOAP, a proxy in the way, a closed connection. The lines "
            "after it in QWCLog.txt quote the underlying .NET error."
        ),
        can_be_retried=True,
        who_acts=Actor.OPERATOR,
        see_also=("service-unreachable", "https-problem"),
    ),
    Explanation(
        key="qbwc-completed-with-errors",
        codes=("QBWC1031",),
        title="The update finished with errors",
        user_message=(
            "The Web Connector finished the update but something went wrong on the way; the "
            "other findings (or the log) say what."
        ),
        fix_steps=("Look at the other problems found for the same time and fix those.",),
        operator_detail=(
            "QBWC1031 is the Web Connector's summary of a run that had errors; the cause is "
            "logged before it."
        ),
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="qbwc-duplicate-application",
        codes=("QBWC1039",),
        title="This application was already added",
        user_message=(
            "The Web Connector already has this application for this company file, so it "
            "refused to add the same .qwc file a second time."
        ),
        fix_steps=(
            "In the Web Connector, keep the existing entry for this application; there is "
            "nothing more to add.",
            "To replace it, remove the old entry first (Remove), then open the .qwc file again.",
        ),
        operator_detail=(
            "QBWC1039: the OwnerID/FileID pair is already registered (a .qwc added twice, or a "
            "clone). Give a new link a new FileID, or have the user remove the old entry."
        ),
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="qbwc-response-not-xml",
        codes=("QBWC1042",),
        title="The sync service sent a broken reply",
        user_message=(
            "The sync service answered the Web Connector with something it could not read. "
            "The fault is on the service's side."
        ),
        fix_steps=("Nothing to do at the QuickBooks PC: tell your provider.",),
        operator_detail=(
            "QBWC1042: a reply (usually to receiveResponseXML) was not well-formed XML: an "
            "error page, an empty body or a proxy's page. qbdsync always answers SOAP, so look "
            "for something between the Web Connector and qbdsync."
        ),
        can_be_retried=False,
        who_acts=Actor.OPERATOR,
    ),
    Explanation(
        key="qbwc-certificate-not-verified",
        codes=("QBWC1048",),
        title="The service's https certificate could not be verified",
        user_message=(
            "Windows could not confirm that the sync service's web address is genuine, so the "
            "Web Connector stopped."
        ),
        fix_steps=(
            "Check that the PC's date and time are right.",
            "Install Windows updates (they bring new root certificates).",
            "If it still fails, tell your provider: their certificate may be expired or "
            "incomplete.",
        ),
        operator_detail=(
            "QBWC1048: the TLS certificate of AppURL failed validation (expired, self-signed, "
            "a missing intermediate, or a name that does not match the host)."
        ),
        can_be_retried=False,
        who_acts=Actor.OPERATOR,
        see_also=("https-problem",),
    ),
    Explanation(
        key="qbwc-application-not-added",
        codes=("QBWC1051",),
        title="The application could not be added",
        user_message=(
            "The Web Connector refused to add the application from the .qwc file; usually "
            "because its web address is not a secure https address."
        ),
        fix_steps=(_QWC_AGAIN,),
        operator_detail=(
            "QBWC1051: AppURL must be https unless its host is localhost, and AppSupport must "
            "be on the same domain. Check the .qwc qbdsync rendered (public URL setting)."
        ),
        can_be_retried=False,
        who_acts=Actor.OPERATOR,
    ),
    Explanation(
        key="qbwc-log-file-problem",
        codes=("QBWC1085",),
        title="The Web Connector could not write its log",
        user_message=(
            "The Web Connector could not write to its log file and carried on without it. "
            "Syncing is not affected, but problems are harder to look into."
        ),
        fix_steps=(
            r"Close the Web Connector, rename C:\ProgramData\Intuit\QBWebConnector\log"
            r"\QWCLog.txt (for example to QWCLog.old) and start the Web Connector again.",
            "If it comes back, check that the Windows user can write to that folder.",
        ),
        operator_detail=(
            "QBWC1085: QWCLog.txt could not be written (too large, locked, or no permission). "
            "A warning; the run goes on."
        ),
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="invalid-user",
        codes=(INVALID_USER,),
        title="Wrong user name or password",
        user_message=(
            "The sync service did not accept the user name and password the Web Connector "
            "sent, so nothing was synced."
        ),
        fix_steps=(
            "In the Web Connector, click in the Password column of this application and type "
            "the password your provider gave you, then save it.",
            "If the password is lost, ask your provider for a new link and .qwc file.",
        ),
        operator_detail=(
            "authenticate answered nvu: no connection has this user name, or the password "
            "does not match (or the connection was deleted)."
        ),
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="https-problem",
        codes=(HTTPS_PROBLEM,),
        title="A secure connection could not be made",
        user_message=(
            "The Web Connector could not make a secure (https) connection to the sync service."
        ),
        fix_steps=(
            "Check that the PC's date and time are right and Windows is up to date.",
            "If antivirus or a firewall inspects https traffic, allow the sync service's address.",
            "If it still fails, tell your provider.",
        ),
        operator_detail=(
            "A TLS failure (no trust relationship, no secure channel, an invalid remote "
            "certificate, or an old TLS version). Check the certificate chain and that TLS "
            "1.2 is offered."
        ),
        can_be_retried=False,
        who_acts=Actor.OPERATOR,
    ),
    Explanation(
        key="service-unreachable",
        codes=(SERVICE_UNREACHABLE,),
        title="The sync service could not be reached",
        user_message=(
            "The Web Connector could not reach the sync service: the PC is offline, a "
            "firewall blocks it, or the service is down."
        ),
        fix_steps=(
            "Check that the PC is online (open any web site).",
            "If antivirus or a firewall blocks the Web Connector, allow it.",
            "If the PC is online, tell your provider: the service may be down.",
        ),
        operator_detail=(
            "The connection to AppURL failed (name not resolved, refused, timed out, or an "
            "HTTP 404/5xx). Check the service, its public URL and the proxy in front of it."
        ),
        can_be_retried=True,
        who_acts=Actor.OPERATOR,
    ),
    Explanation(
        key="second-quickbooks",
        codes=(SECOND_QUICKBOOKS,),
        title="More than one copy of QuickBooks is open",
        user_message=(
            "Several copies of QuickBooks are running on this PC, and the Web Connector cannot "
            "tell which one to use."
        ),
        fix_steps=(
            "Close every copy of QuickBooks (check the taskbar and Task Manager for "
            "QBW32.exe or QBW.exe).",
            "Open one copy with the linked company file, or leave it closed if access is "
            'granted "always".',
            "In the Web Connector, tick this application and click Update Selected.",
        ),
        operator_detail=(
            "Several QuickBooks instances (possible in Enterprise) make BeginSession fail, "
            "usually with 0x8004040A."
        ),
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="wrong-company-file",
        codes=(WRONG_COMPANY_FILE,),
        title="The wrong company file is open",
        user_message=(
            "The company file open in QuickBooks is not the one this Web Connector entry is "
            "linked to, so nothing was synced from it."
        ),
        fix_steps=(
            "In QuickBooks, open the company file you linked (File > Open or Restore Company).",
            "In the Web Connector, tick this application and click Update Selected.",
            "To sync this other company file instead, ask your provider for a new link.",
        ),
        operator_detail=(
            "The FileID stamped in the open company file does not match the connection's "
            "(or the file the Web Connector opened is not the one authenticate named)."
        ),
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="unknown-code",
        codes=(UNKNOWN_CODE,),
        title="An error qbdsync has no explanation for",
        user_message=(
            "The log shows an error code that qbdsync does not know, so it cannot say what "
            "caused it."
        ),
        fix_steps=("Send the Web Connector log (and QuickBooks' qbsdklog.txt) to your provider.",),
        operator_detail=(
            "A QBWC code or QuickBooks hresult with no catalogue entry; the samples show it. "
            "If it recurs, add an entry to qbdsync.diagnosis."
        ),
        can_be_retried=True,
        who_acts=Actor.OPERATOR,
    ),
)
