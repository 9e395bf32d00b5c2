"""Catalogue entries for the COM hresults QuickBooks reports when it cannot run a request at all
(they arrive through connectionError or receiveResponseXML, and in the logs). One entry per
hresult of ../shared/reference/qbxml.md; an expired and a revoked certificate share one."""

from __future__ import annotations

from typing import Final

from qbdsync.diagnosis.explanation import Actor, Explanation

_INTEGRATED_APPS = "Edit > Preferences > Integrated Applications > Company Preferences"
_SDK_LOG = r"C:\ProgramData\Intuit\QuickBooks\qbsdklog.txt"
_UPDATE_AGAIN = "In the Web Connector, tick this application and click Update Selected."

ENTRIES: Final[tuple[Explanation, ...]] = (
    Explanation(
        key="request-not-parsed",
        codes=("0x80040400",),
        title="QuickBooks could not read qbdsync's request",
        user_message=(
            "QuickBooks could not parse the request qbdsync sent. The fault is in qbdsync, not "
            "on your computer, and nothing you do at the QuickBooks PC will fix it."
        ),
        fix_steps=(
            "Nothing to do at the QuickBooks PC: the operator has to fix qbdsync.",
            "Operator: find the request in the session's log and report it as a bug.",
        ),
        operator_detail=(
            "QuickBooks rejected the whole qbXML message set as malformed: usually an element "
            "out of its xsd:sequence order, an element this qbXML version lacks, or a bad "
            "value in a typed field. The same request fails again every time."
        ),
        can_be_retried=False,
        who_acts=Actor.OPERATOR,
    ),
    Explanation(
        key="cannot-access-quickbooks",
        codes=("0x80040401",),
        title="The Web Connector could not reach QuickBooks",
        user_message=(
            "The Web Connector could not get in touch with QuickBooks on this PC. QuickBooks "
            "may be missing, damaged, or blocked from starting."
        ),
        fix_steps=(
            "Check that QuickBooks Desktop opens normally on this PC.",
            "If it does not, repair or reinstall QuickBooks.",
            _UPDATE_AGAIN,
        ),
        operator_detail=(
            "The QuickBooks request processor could not connect to QuickBooks "
            "(OpenConnection failed). Usually clears once QuickBooks runs again."
        ),
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="quickbooks-unexpected-error",
        codes=("0x80040402",),
        title="QuickBooks reported an unexpected error",
        user_message=(
            "QuickBooks hit an unexpected error while the Web Connector was talking to it."
        ),
        fix_steps=(
            "Close QuickBooks, open it again and sign in to the company file.",
            _UPDATE_AGAIN,
            f"If it happens again, send {_SDK_LOG} to your provider's support.",
        ),
        operator_detail=(
            "An unspecified failure inside QuickBooks' SDK; the cause is in qbsdklog.txt on the "
            "QuickBooks PC. Often transient."
        ),
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="cannot-start-quickbooks",
        codes=("0x80040408",),
        title="QuickBooks could not be started",
        user_message=(
            "The Web Connector tried to start QuickBooks and could not. QuickBooks may be "
            "closed and not allowed to start on its own, still updating, or stuck."
        ),
        fix_steps=(
            "Open QuickBooks yourself and sign in to the company file.",
            "If QuickBooks shows a message or an update prompt, answer it.",
            _UPDATE_AGAIN,
        ),
        operator_detail=(
            "BeginSession could not launch QuickBooks. Common causes: a QuickBooks update "
            "pending, QuickBooks run as a different Windows user, or access granted only "
            "while QuickBooks is open."
        ),
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
        see_also=("access-not-always",),
    ),
    Explanation(
        key="other-company-file-open",
        codes=("0x8004040A",),
        title="A different company file is open",
        user_message=(
            "QuickBooks has a different company file open than the one this connection uses, "
            "or more than one copy of QuickBooks is running."
        ),
        fix_steps=(
            "In QuickBooks, open the company file that is linked to this connection, or close "
            "QuickBooks.",
            "Close every other copy of QuickBooks (check the taskbar and Task Manager).",
            _UPDATE_AGAIN,
        ),
        operator_detail=(
            "QuickBooks refused to open the requested company file because another file is "
            "open, or several QuickBooks instances run (Enterprise allows that)."
        ),
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
        see_also=("wrong-company-file", "second-quickbooks"),
    ),
    Explanation(
        key="quickbooks-ticket-invalid",
        codes=("0x8004040D",),
        title="The QuickBooks session expired",
        user_message="QuickBooks ended the session before the sync finished.",
        fix_steps=(_UPDATE_AGAIN,),
        operator_detail=(
            "QuickBooks did not recognise the session ticket (it ended, or QuickBooks "
            "restarted meanwhile). The next session starts a new one."
        ),
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="wrong-file-mode",
        codes=("0x80040410",),
        title="The company file is open in the other mode",
        user_message=(
            "The company file is open in single-user mode where multi-user is needed, or the "
            "other way round."
        ),
        fix_steps=(
            "In QuickBooks, use the File menu to switch between single-user and multi-user "
            "mode, or close QuickBooks.",
            _UPDATE_AGAIN,
        ),
        operator_detail=(
            "BeginSession asked for a file mode the open file is not in (qbdsync asks for "
            "'don't care'; another application or an old .qwc may not)."
        ),
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="modal-dialog-open",
        codes=("0x80040414",),
        title="A window is open in QuickBooks",
        user_message=(
            "QuickBooks is showing a dialog or message window, and it answers nobody until "
            "that window is closed."
        ),
        fix_steps=(
            "Go to the QuickBooks window and close every open dialog or message (look behind "
            "other windows too).",
            _UPDATE_AGAIN,
        ),
        operator_detail=(
            "QuickBooks has a modal dialog open; the SDK cannot get in until it closes."
        ),
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="quickbooks-not-running",
        codes=("0x80040416",),
        title="QuickBooks is not running",
        user_message=(
            "QuickBooks is not running, and the Web Connector could not open the company file "
            "by itself. This happens when qbdsync was allowed to use the file only while "
            "QuickBooks is open."
        ),
        fix_steps=(
            "Open QuickBooks and sign in to the company file, then run the update again.",
            "To sync while QuickBooks is closed: as the QuickBooks Admin, open "
            f"{_INTEGRATED_APPS}, select this application, and allow access even if "
            "QuickBooks is not running.",
        ),
        operator_detail=(
            "BeginSession got no company file name while QuickBooks was closed: the connection "
            "works only while the user has the file open."
        ),
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
        see_also=("access-not-always",),
    ),
    Explanation(
        key="application-not-authorised",
        codes=("0x80040418",),
        title="qbdsync has not been allowed into this company file",
        user_message=(
            "This company file has not granted qbdsync access yet, or the permission was "
            "removed (for example its certificate was removed in QuickBooks' Integrated "
            "Applications)."
        ),
        fix_steps=(
            "Open QuickBooks as the Admin user, in single-user mode, with this company file.",
            _UPDATE_AGAIN,
            'When QuickBooks asks whether to allow the application, choose "Yes, always; '
            'allow access even if QuickBooks is not running".',
        ),
        operator_detail=(
            "The application's certificate is not (or no longer) in this company file; only "
            "an admin at the PC can accept it. Retries fail until they do."
        ),
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="application-not-permitted",
        codes=("0x8004041A",),
        title="QuickBooks does not let qbdsync in",
        user_message=(
            "QuickBooks' Integrated Applications settings do not allow qbdsync to use this "
            "company file."
        ),
        fix_steps=(
            f"As the QuickBooks Admin, open {_INTEGRATED_APPS}.",
            "Select this application, tick that it may access the file, and choose to allow "
            "access even if QuickBooks is not running.",
            _UPDATE_AGAIN,
        ),
        operator_detail=(
            "The application is listed in Integrated Applications but its access is switched "
            "off (or applications are refused altogether)."
        ),
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="quickbooks-unable-to-lock",
        codes=("0x8004041B",),
        title="QuickBooks could not lock its data",
        user_message=(
            "Someone or something else is working in the company file, so QuickBooks could "
            "not reserve the data qbdsync needs. qbdsync tries again at the next sync."
        ),
        fix_steps=("Nothing needed; if it keeps happening, sync when nobody works in the file.",),
        operator_detail="QuickBooks returned a lock failure; transient.",
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="quickbooks-internal-error",
        codes=("0x8004041C",),
        title="QuickBooks reported an internal error",
        user_message="QuickBooks reported an internal error of its own.",
        fix_steps=(
            "Close QuickBooks and open it again.",
            _UPDATE_AGAIN,
            "If it keeps happening, run File > Utilities > Verify Data in QuickBooks.",
        ),
        operator_detail=(
            "An internal error in QuickBooks (details in qbsdklog.txt). Usually clears after a "
            "restart; repeated ones can mean a damaged company file."
        ),
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="access-not-always",
        codes=("0x8004041D",),
        title='Access was not granted "always"',
        user_message=(
            "qbdsync may use the company file only while QuickBooks is open, so syncs and "
            "pushes wait until someone opens QuickBooks and signs in to the file."
        ),
        fix_steps=(
            f"As the QuickBooks Admin, open {_INTEGRATED_APPS}, select this application, "
            'choose Properties and allow it to log in automatically ("Yes, always; allow '
            'access even if QuickBooks is not running").',
            "Until then, keep QuickBooks open and signed in to the company file while syncs run.",
            _UPDATE_AGAIN,
        ),
        operator_detail=(
            "Automatic login is not allowed for the application: the user granted access "
            '"whenever this company file is open" or "prompt each time", not "always". '
            "Queued syncs and pushes stay queued until QuickBooks is opened."
        ),
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
        see_also=("quickbooks-not-running",),
    ),
    Explanation(
        key="certificate-expired",
        codes=("0x8004041E", "0x8004042C"),
        title="The application certificate expired or was revoked",
        user_message=(
            "QuickBooks no longer accepts qbdsync's application certificate: it expired or "
            "was revoked."
        ),
        fix_steps=(
            f"As the QuickBooks Admin, open {_INTEGRATED_APPS}, select this application and "
            "click Remove.",
            "Remove this application from the Web Connector, then add its .qwc file again "
            "(your provider can send a new one).",
            'When QuickBooks asks, choose "Yes, always; allow access even if QuickBooks is '
            'not running".',
        ),
        operator_detail=(
            "0x8004041E: the certificate has expired; 0x8004042C: it was revoked. The user "
            "must accept it again; retries fail until then."
        ),
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="edition-cannot-accept-xml",
        codes=("0x8004041F",),
        title="This QuickBooks edition cannot exchange data",
        user_message=(
            "This edition of QuickBooks does not let other programs read or write its data. "
            "qbdsync needs QuickBooks Desktop Pro, Premier or Enterprise."
        ),
        fix_steps=("Upgrade to QuickBooks Desktop Pro, Premier or Enterprise.",),
        operator_detail="QuickBooks Basic (or a similar edition) has no SDK access.",
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="access-denied-by-user",
        codes=("0x80040420",),
        title="Access to QuickBooks was refused",
        user_message=(
            "Someone answered No when QuickBooks asked whether qbdsync may use the company "
            "file, or access was switched off later."
        ),
        fix_steps=(
            f"As the QuickBooks Admin, open {_INTEGRATED_APPS}.",
            "Select this application and allow it access (or remove it and run the update "
            'again to be asked afresh; answer "Yes, always").',
            _UPDATE_AGAIN,
        ),
        operator_detail="The QuickBooks user denied the application access.",
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="single-user-mode-required",
        codes=("0x80040422",),
        title="Another program holds the company file",
        user_message=(
            "QuickBooks needs the company file to itself for this, but another program or "
            "another copy of QuickBooks is using it."
        ),
        fix_steps=(
            "Close other programs that use QuickBooks, and any second copy of QuickBooks.",
            _UPDATE_AGAIN,
        ),
        operator_detail=(
            "Single-user mode is required while another application has the file open."
        ),
        can_be_retried=True,
        who_acts=Actor.SMB_USER,
        see_also=("second-quickbooks",),
    ),
    Explanation(
        key="qbxml-version-not-supported",
        codes=("0x80040423",),
        title="QuickBooks does not speak the request's version",
        user_message=(
            "This QuickBooks does not understand the version of the requests qbdsync sent. "
            "Updating QuickBooks to its latest release usually helps; the operator has been "
            "told."
        ),
        fix_steps=(
            "Install QuickBooks' latest updates (Help > Update QuickBooks Desktop).",
            "Operator: check the qbXML version negotiated for this connection.",
        ),
        operator_detail=(
            "qbdsync negotiates the qbXML version from what QuickBooks reports, so this means "
            "the negotiation went wrong (or QuickBooks misreported); the same request fails "
            "again."
        ),
        can_be_retried=False,
        who_acts=Actor.OPERATOR,
    ),
    Explanation(
        key="quickbooks-still-starting",
        codes=("0x80040424",),
        title="QuickBooks was still starting",
        user_message="QuickBooks had not finished starting when the Web Connector called it.",
        fix_steps=("Wait until QuickBooks is fully open.", _UPDATE_AGAIN),
        operator_detail="QuickBooks was not ready yet; transient.",
        can_be_retried=True,
        who_acts=Actor.NOBODY,
    ),
    Explanation(
        key="quickbooks-unregistered",
        codes=("0x80040427",),
        title="QuickBooks is not registered",
        user_message="This copy of QuickBooks is not registered, so it refuses other programs.",
        fix_steps=("Register QuickBooks (Help > Register QuickBooks).", _UPDATE_AGAIN),
        operator_detail="Unregistered QuickBooks installations refuse SDK connections.",
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
    Explanation(
        key="remote-access-not-allowed",
        codes=("0x8004042A",),
        title="QuickBooks refused access from another computer",
        user_message=(
            "The Web Connector is on a different computer than QuickBooks, and QuickBooks "
            "does not allow that."
        ),
        fix_steps=("Install and run the Web Connector on the computer where QuickBooks runs.",),
        operator_detail="Remote access to this company file is not allowed.",
        can_be_retried=False,
        who_acts=Actor.SMB_USER,
    ),
)
