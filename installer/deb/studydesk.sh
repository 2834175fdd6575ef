#!/bin/sh
# StudyDesk launcher (installed by the studydesk package).
exec /opt/studydesk/studydesk "$@"
