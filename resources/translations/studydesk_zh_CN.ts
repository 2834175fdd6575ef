<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>time left</source>
        <translation>剩余时间</translation>
    </message>
    <message>
        <source>files</source>
        <translation>个文件</translation>
    </message>
    <message>
        <source>Downloaded %1 version %2 (%3) in %4.</source>
        <translation>已下载 %1 第 %2 版（%3），用时 %4。</translation>
    </message>
    <message>
        <source>Stored in %1</source>
        <translation>已保存到 %1</translation>
    </message>
    <message>
        <source>Imported %1 version %2 (%3).</source>
        <translation>已导入 %1 第 %2 版（%3）。</translation>
    </message>
    <message>
        <source>Exported %1 version %2 to %3.</source>
        <translation>已将 %1 第 %2 版导出到 %3。</translation>
    </message>
    <message>
        <source>Normal speed only; skipping ahead is allowed</source>
        <translation>只能按正常速度播放；允许快进</translation>
    </message>
    <message>
        <source>Normal speed only, no skipping ahead</source>
        <translation>只能按正常速度播放，不可快进</translation>
    </message>
    <message>
        <source>Speed up to {rate}×; skipping ahead is allowed</source>
        <translation>倍速不超过{rate}倍；允许快进</translation>
    </message>
    <message>
        <source>Speed up to {rate}×, no skipping ahead</source>
        <translation>倍速不超过{rate}倍，不可快进</translation>
    </message>
    <message>
        <source>Confirm you are studying every {n} minutes</source>
        <translation>每{n}分钟确认一次在学</translation>
    </message>
    <message>
        <source>Confirm you are studying every {n} seconds</source>
        <translation>每{n}秒确认一次在学</translation>
    </message>
    <message>
        <source>After {n} minutes without mouse or keyboard use, timing stops until you confirm</source>
        <translation>{n}分钟内没有操作鼠标或键盘时暂停计时，确认后继续</translation>
    </message>
    <message>
        <source>After {n} seconds without mouse or keyboard use, timing stops until you confirm</source>
        <translation>{n}秒内没有操作鼠标或键盘时暂停计时，确认后继续</translation>
    </message>
    <message>
        <source>A lesson counts as finished after {percent}% of it is watched</source>
        <translation>观看满{percent}%即视为完成本节</translation>
    </message>
    <message>
        <source>Playback pauses when you leave the window</source>
        <translation>离开播放窗口时自动暂停</translation>
    </message>
    <message>
        <source>This course does not allow skipping ahead. You can go back to any part already watched.</source>
        <translation>本课程不允许快进。已经看过的部分可以随时回看。</translation>
    </message>
    <message>
        <source>Course</source>
        <translation>课程</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>截止日期</translation>
    </message>
    <message>
        <source>Credit hours</source>
        <translation>学时</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <source>overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <source>completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>not downloaded</source>
        <translation>未下载</translation>
    </message>
    <message>
        <source>required</source>
        <translation>必修</translation>
    </message>
    <message>
        <source>elective</source>
        <translation>选修</translation>
    </message>
    <message>
        <source>Offline: showing the assignments saved on this PC.</source>
        <translation>离线：显示本机保存的课程安排。</translation>
    </message>
    <message>
        <source>No courses are assigned to you.</source>
        <translation>目前没有给您分配课程。</translation>
    </message>
    <message>
        <source>Offline: the list saved on this PC at the last look.</source>
        <translation>离线：以下是本机上次查看时保存的列表。</translation>
    </message>
    <message>
        <source>You have no certificates yet.</source>
        <translation>您还没有证书。</translation>
    </message>
    <message>
        <source>Serial</source>
        <translation>证书编号</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>证书</translation>
    </message>
    <message>
        <source>Year or class</source>
        <translation>年度或班次</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>学时</translation>
    </message>
    <message>
        <source>Issued</source>
        <translation>开具日期</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Certificate of study hours</source>
        <translation>学时证明</translation>
    </message>
    <message>
        <source>Class certificate</source>
        <translation>结业证书</translation>
    </message>
    <message>
        <source>revoked %1</source>
        <translation>已于 %1 撤销</translation>
    </message>
    <message>
        <source>valid</source>
        <translation>有效</translation>
    </message>
    <message>
        <source>Saved as %1</source>
        <translation>已保存为 %1</translation>
    </message>
    <message>
        <source>Revoked on %1: no longer valid.</source>
        <translation>已于 %1 撤销，不再有效。</translation>
    </message>
    <message>
        <source>Not genuine: the content does not match its signature.</source>
        <translation>无效：证书内容与签名不符。</translation>
    </message>
    <message>
        <source>Unknown issuer: not signed with a key this site trusts.</source>
        <translation>发证机构未知：不是用本站信任的密钥签发的。</translation>
    </message>
    <message>
        <source>Not a StudyDesk certificate: the code cannot be read.</source>
        <translation>无法识别：这不是可读取的 StudyDesk 证书。</translation>
    </message>
    <message>
        <source>Genuine, but this PC has no revocation list yet: whether it was revoked is not known.</source>
        <translation>真实，但本机尚无撤销名单，无法确认是否已被撤销。</translation>
    </message>
    <message>
        <source>Genuine and valid: signed with this site&apos;s pinned key and not revoked (revocation list of %1).</source>
        <translation>真实有效：由本站固定的发证密钥签发，且未被撤销（撤销名单截至 %1）。</translation>
    </message>
</context>
<context>
    <name>AccountCommands</name>
    <message>
        <source>User name: </source>
        <translation>用户名：</translation>
    </message>
    <message>
        <source>Password: </source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>offline (the server cannot be reached)</source>
        <translation>离线（无法连接服务器）</translation>
    </message>
    <message>
        <source>online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Signed in as %1 (%2), %3.</source>
        <translation>已登录：%1（%2），%3。</translation>
    </message>
    <message>
        <source>Wrote %1 records (%2 bytes) to %3.</source>
        <translation>已将 %1 条记录（%2 字节）写入 %3。</translation>
    </message>
    <message>
        <source>Sent %1 records: %2 accepted, %3 refused; %4 still waiting.</source>
        <translation>已发送 %1 条记录：%2 条被接受，%3 条被拒绝；%4 条仍在等待。</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>被拒绝</translation>
    </message>
    <message>
        <source>Records waiting on this PC: %1. They are sent at the next sync.</source>
        <translation>本机待发送的学习记录：%1 条，将在下次同步时发送。</translation>
    </message>
    <message>
        <source>Overdue courses: %1. Finish them as soon as possible.</source>
        <translation>已逾期课程：%1 门，请尽快完成。</translation>
    </message>
</context>
<context>
    <name>AssessmentText</name>
    <message>
        <source>Choose every right answer (press 1-9 to tick or untick).</source>
        <translation>选出所有正确答案（按数字键 1-9 勾选或取消）。</translation>
    </message>
    <message>
        <source>True or false? Press 1 for true, 2 for false.</source>
        <translation>判断对错：按 1 选“正确”，按 2 选“错误”。</translation>
    </message>
    <message>
        <source>Type the missing words.</source>
        <translation>请填写空缺的内容。</translation>
    </message>
    <message>
        <source>Choose one answer (press 1-9).</source>
        <translation>选出一个正确答案（按数字键 1-9）。</translation>
    </message>
    <message>
        <source>(no answer)</source>
        <translation>（未作答）</translation>
    </message>
    <message>
        <source>True</source>
        <translation>正确</translation>
    </message>
    <message>
        <source>False</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <source>You may take it as often as you like.</source>
        <translation>不限作答次数。</translation>
    </message>
    <message>
        <source>No attempts left.</source>
        <translation>作答次数已用完。</translation>
    </message>
    <message>
        <source>Attempts left: %1</source>
        <translation>还可作答 %1 次</translation>
    </message>
</context>
<context>
    <name>AssessmentWindow</name>
    <message>
        <source>Preparing the questions…</source>
        <translation>正在准备试题…</translation>
    </message>
    <message>
        <source>Time left %1</source>
        <translation>剩余时间 %1</translation>
    </message>
    <message>
        <source>You have used every attempt at this test. Your training administrator can tell you what to do next.</source>
        <translation>本测试的作答次数已全部用完。后续安排请咨询培训管理员。</translation>
    </message>
    <message>
        <source>The time was up: your answers were submitted automatically.</source>
        <translation>时间已到，答案已自动提交。</translation>
    </message>
    <message>
        <source>Your answers could not be saved: %1</source>
        <translation>答案未能保存：%1</translation>
    </message>
    <message>
        <source>Close, continue later</source>
        <translation>关闭，稍后继续</translation>
    </message>
    <message>
        <source>Keep answering</source>
        <translation>继续答题</translation>
    </message>
    <message>
        <source>Close the quiz?</source>
        <translation>关闭测验？</translation>
    </message>
    <message>
        <source>Close the quiz now? Your answers are not submitted.</source>
        <translation>现在关闭测验吗？答案不会提交。</translation>
    </message>
    <message>
        <source>Your answers so far are saved. The clock pauses while this window is closed: the time away does not count. When you open it again, it continues with the same questions, your answers and the %1 you have left. Closing does not use another attempt.</source>
        <translation>已作答的内容已保存。关闭期间考试计时暂停，离开的时间不计入用时。再次打开时，将以同样的试题、您已填的答案和剩余的 %1 继续。关闭不会多用一次作答机会。</translation>
    </message>
    <message>
        <source>Your answers so far are saved. When you open it again, it continues with the same questions and your answers. Closing does not use another attempt.</source>
        <translation>已作答的内容已保存。再次打开时，将以同样的试题和您已填的答案继续。关闭不会多用一次作答机会。</translation>
    </message>
</context>
<context>
    <name>AttentionDialog</name>
    <message>
        <source>Are you still studying?</source>
        <translation>您还在学习吗？</translation>
    </message>
    <message>
        <source>Timing is paused. Type the number below to continue studying.</source>
        <translation>计时已暂停。请输入下面的数字以继续学习。</translation>
    </message>
    <message>
        <source>Number to type</source>
        <translation>请输入的数字</translation>
    </message>
    <message>
        <source>4 digits</source>
        <translation>4 位数字</translation>
    </message>
    <message>
        <source>Your answer</source>
        <translation>您的输入</translation>
    </message>
    <message>
        <source>Continue studying</source>
        <translation>继续学习</translation>
    </message>
    <message>
        <source>That was not the number shown. Please type the new number.</source>
        <translation>输入的数字不正确，请输入新显示的数字。</translation>
    </message>
</context>
<context>
    <name>CertificatesDialog</name>
    <message>
        <source>My certificates</source>
        <translation>我的证书</translation>
    </message>
    <message>
        <source>Certificate</source>
        <translation>证书</translation>
    </message>
    <message>
        <source>Year or class</source>
        <translation>年度或班次</translation>
    </message>
    <message>
        <source>Hours</source>
        <translation>学时</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>成绩</translation>
    </message>
    <message>
        <source>Issued</source>
        <translation>开具日期</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Loading your certificates…</source>
        <translation>正在读取您的证书…</translation>
    </message>
    <message>
        <source>You have no certificates yet. Your training administrator issues a certificate of study hours (学时证明) or a class certificate (结业证书).</source>
        <translation>您还没有证书。学时证明和结业证书由培训管理员开具。</translation>
    </message>
    <message>
        <source>The server cannot be reached: this is the list from your last look. Certificates already downloaded open without the network.</source>
        <translation>无法连接服务器：以下是上次查看时的列表。已下载的证书无需联网即可打开。</translation>
    </message>
    <message>
        <source>Choose a certificate and press Open: it is downloaded once, kept on this PC and opened in your PDF viewer. Each carries a QR code that anyone can check with “Verify a certificate”.</source>
        <translation>选择证书后点击“打开”：证书只需下载一次，保存在本机，并用 PDF 阅读器打开。每份证书都带有二维码，任何人都可以用“验证证书”核验。</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Show the folder</source>
        <translation>打开所在文件夹</translation>
    </message>
    <message>
        <source>Verify a certificate…</source>
        <translation>验证证书…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Year %1</source>
        <translation>%1 年度</translation>
    </message>
    <message>
        <source>Certificate of study hours</source>
        <translation>学时证明</translation>
    </message>
    <message>
        <source>Class certificate</source>
        <translation>结业证书</translation>
    </message>
    <message>
        <source>Revoked on %1</source>
        <translation>已于 %1 撤销</translation>
    </message>
    <message>
        <source>Valid, on this PC</source>
        <translation>有效，已保存在本机</translation>
    </message>
    <message>
        <source>Valid</source>
        <translation>有效</translation>
    </message>
    <message>
        <source>This certificate is not on this PC yet. Connect to the network and try again.</source>
        <translation>本机还没有这份证书。请联网后再试。</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Downloading %1…</source>
        <translation>正在下载 %1…</translation>
    </message>
    <message>
        <source>Saved as %1</source>
        <translation>已保存为 %1</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>No PDF viewer opened it. The file is %1</source>
        <translation>没有 PDF 阅读器打开它。文件位于 %1</translation>
    </message>
</context>
<context>
    <name>ClassCard</name>
    <message>
        <source>Passed</source>
        <translation>已合格</translation>
    </message>
    <message>
        <source>Not passed yet</source>
        <translation>尚未合格</translation>
    </message>
    <message>
        <source>%1 to %2 · weights attendance : tests : exam = %3 · pass mark %4</source>
        <translation>%1 至 %2 · 出勤 : 随堂测验 : 结业考试 = %3 · 合格线 %4 分</translation>
    </message>
    <message>
        <source>Total %1</source>
        <translation>总成绩 %1 分</translation>
    </message>
    <message>
        <source>Attendance %1</source>
        <translation>出勤 %1</translation>
    </message>
    <message>
        <source>In-lesson tests %1</source>
        <translation>随堂测验 %1</translation>
    </message>
    <message>
        <source>Final exam %1</source>
        <translation>结业考试 %1</translation>
    </message>
    <message>
        <source>%1 more points to pass.</source>
        <translation>还差 %1 分达到合格线。</translation>
    </message>
    <message>
        <source>videos</source>
        <translation>视频</translation>
    </message>
    <message>
        <source>quizzes</source>
        <translation>随堂测验</translation>
    </message>
    <message>
        <source>final exam</source>
        <translation>结业考试</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>Still to do in “%1”: %2.</source>
        <translation>《%1》尚未完成：%2。</translation>
    </message>
    <message>
        <source>Every required course is complete.</source>
        <translation>必修课程均已完成。</translation>
    </message>
</context>
<context>
    <name>ClassesPanel</name>
    <message>
        <source>My classes</source>
        <translation>我的培训班</translation>
    </message>
    <message>
        <source>(As of the last sync, %1.)</source>
        <translation>（截至上次同步：%1）</translation>
    </message>
</context>
<context>
    <name>CommandLine</name>
    <message>
        <source>StudyDesk learning client</source>
        <translation>学习桌学习客户端</translation>
    </message>
    <message>
        <source>data folder (default: per user)</source>
        <translation>数据文件夹（默认：每个用户各自的文件夹）</translation>
    </message>
    <message>
        <source>site file (default: the installed site.toml)</source>
        <translation>站点文件（默认：已安装的 site.toml）</translation>
    </message>
    <message>
        <source>language of the command&apos;s output (default: $STUDYDESK_LANG, else the site file&apos;s)</source>
        <translation>命令输出的语言（默认：$STUDYDESK_LANG，否则为站点文件中的语言）</translation>
    </message>
    <message>
        <source>check that every part works, then exit</source>
        <translation>检查各组成部分是否正常，然后退出</translation>
    </message>
    <message>
        <source>Interrupted.</source>
        <translation>已中断。</translation>
    </message>
    <message>
        <source>list my assigned courses and my progress</source>
        <translation>列出分配给我的课程和我的学习进度</translation>
    </message>
    <message>
        <source>download a course from the repository (resumes where it stopped)</source>
        <translation>从课程库下载课程（从中断处继续）</translation>
    </message>
    <message>
        <source>course id</source>
        <translation>课程编号</translation>
    </message>
    <message>
        <source>a specific version (default: the latest)</source>
        <translation>指定版本（默认：最新版）</translation>
    </message>
    <message>
        <source>repository URL or folder (default: from the site file)</source>
        <translation>课程库网址或文件夹（默认：取自站点文件）</translation>
    </message>
    <message>
        <source>files downloaded at the same time (default 2)</source>
        <translation>同时下载的文件数（默认 2）</translation>
    </message>
    <message>
        <source>bandwidth cap in kbit/s (default: the site&apos;s)</source>
        <translation>带宽上限，单位 kbit/s（默认：站点文件的设置）</translation>
    </message>
    <message>
        <source>user name (default: the only person who signed in on this PC)</source>
        <translation>用户名（默认：本机唯一登录过的人）</translation>
    </message>
    <message>
        <source>read the password from standard input</source>
        <translation>从标准输入读取密码</translation>
    </message>
    <message>
        <source>sign in (works offline for people who signed in on this PC before)</source>
        <translation>登录（曾在本机登录过的人离线也可登录）</translation>
    </message>
    <message>
        <source>import or export course packages (USB stick, shared folder)</source>
        <translation>导入或导出课程包（U 盘、共享文件夹）</translation>
    </message>
    <message>
        <source>import the courses in a package folder</source>
        <translation>导入课程包文件夹中的课程</translation>
    </message>
    <message>
        <source>package folder (repository layout)</source>
        <translation>课程包文件夹（课程库结构）</translation>
    </message>
    <message>
        <source>import only this course</source>
        <translation>只导入此课程</translation>
    </message>
    <message>
        <source>export a downloaded course to a folder</source>
        <translation>把已下载的课程导出到文件夹</translation>
    </message>
    <message>
        <source>destination folder</source>
        <translation>目标文件夹</translation>
    </message>
    <message>
        <source>study records for sites without a network</source>
        <translation>无网络站点的学习记录</translation>
    </message>
    <message>
        <source>write every study record to a signed file</source>
        <translation>把全部学习记录写入一个签名文件</translation>
    </message>
    <message>
        <source>the file to write</source>
        <translation>要写入的文件</translation>
    </message>
    <message>
        <source>check Qt, translations, VLC playback and the site file</source>
        <translation>检查 Qt、翻译、VLC 播放和站点文件</translation>
    </message>
    <message>
        <source>site file to read</source>
        <translation>要读取的站点文件</translation>
    </message>
    <message>
        <source>check the site file and the network from this PC</source>
        <translation>从本机检查站点文件和网络</translation>
    </message>
    <message>
        <source>site file to check</source>
        <translation>要检查的站点文件</translation>
    </message>
    <message>
        <source>report language (default: the site&apos;s)</source>
        <translation>报告语言（默认：站点文件的语言）</translation>
    </message>
    <message>
        <source>send study records to the server now</source>
        <translation>立即把学习记录发送到服务器</translation>
    </message>
    <message>
        <source>seconds to keep retrying when the server is down</source>
        <translation>服务器不可用时持续重试的秒数</translation>
    </message>
    <message>
        <source>StudyDesk demo: server + demo course</source>
        <translation>StudyDesk 演示：服务器 + 演示课程</translation>
    </message>
    <message>
        <source>port of the demo server (default 8470, else a free one)</source>
        <translation>演示服务器的端口（默认 8470，被占用时另选一个空闲端口）</translation>
    </message>
    <message>
        <source>stop the server after the download</source>
        <translation>下载完成后停止服务器</translation>
    </message>
    <message>
        <source>download with the command line instead of opening the window</source>
        <translation>用命令行下载，不打开窗口</translation>
    </message>
    <message>
        <source>my certificates, and verifying a certificate</source>
        <translation>我的证书，以及验证证书</translation>
    </message>
    <message>
        <source>list my certificates</source>
        <translation>列出我的证书</translation>
    </message>
    <message>
        <source>download one of my certificates as PDF</source>
        <translation>下载我的一份证书（PDF）</translation>
    </message>
    <message>
        <source>verify a certificate offline: its SD1: text, or a picture or PDF of it</source>
        <translation>离线验证证书：SD1: 验证码，或证书的图片、PDF</translation>
    </message>
</context>
<context>
    <name>CourseImport</name>
    <message>
        <source>Importing and checking courses…</source>
        <translation>正在导入并校验课程…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Import courses</source>
        <translation>导入课程</translation>
    </message>
    <message>
        <source>Imported: %1</source>
        <translation>已导入：%1</translation>
    </message>
    <message>
        <source>The import did not finish: %1</source>
        <translation>导入未完成：%1</translation>
    </message>
</context>
<context>
    <name>CoursePage</name>
    <message>
        <source>Course</source>
        <translation>课程</translation>
    </message>
    <message>
        <source>Course not available</source>
        <translation>课程不可用</translation>
    </message>
    <message>
        <source>{hours} credit hours</source>
        <translation>{hours} 学时</translation>
    </message>
    <message>
        <source>{count} lessons, {duration} in total</source>
        <translation>共 {count} 节课，总时长 {duration}</translation>
    </message>
    <message>
        <source>Study rules</source>
        <translation>学习规则</translation>
    </message>
    <message>
        <source>Lessons</source>
        <translation>课程章节</translation>
    </message>
    <message>
        <source>Download missing lessons</source>
        <translation>下载缺少的课程视频</translation>
    </message>
    <message>
        <source>The course counts as complete, and its credit hours count, only once its required quizzes and the exam are passed.</source>
        <translation>通过必做的随堂测验和结业考试后，课程才算完成并计入学时。</translation>
    </message>
    <message>
        <source>Interrupted: continue it to finish</source>
        <translation>已中断：请继续作答</translation>
    </message>
    <message>
        <source>Not passed yet · %1</source>
        <translation>尚未通过 · %1</translation>
    </message>
    <message>
        <source>passed</source>
        <translation>已通过</translation>
    </message>
    <message>
        <source>not passed</source>
        <translation>未通过</translation>
    </message>
    <message>
        <source>The server graded your last attempt %1 of %2, %3. The score worked out on this PC was %4 of %5; the server&apos;s grade counts.</source>
        <translation>服务器对您最近一次作答的评分为 %1 / %2，%3。本机评出的成绩为 %4 / %5；以服务器成绩为准。</translation>
    </message>
    <message>
        <source>Take it again</source>
        <translation>再做一次</translation>
    </message>
    <message>
        <source>Take the quiz</source>
        <translation>开始测验</translation>
    </message>
    <message>
        <source>Continue the exam</source>
        <translation>继续考试</translation>
    </message>
    <message>
        <source>Take the exam again</source>
        <translation>再考一次</translation>
    </message>
    <message>
        <source>Start the exam</source>
        <translation>开始考试</translation>
    </message>
    <message>
        <source>finish watching: %1</source>
        <translation>看完：%1</translation>
    </message>
    <message>
        <source>pass the quiz after: %1</source>
        <translation>通过以下课程的随堂测验：%1</translation>
    </message>
    <message>
        <source>The final exam opens once you %1.</source>
        <translation>结业考试将在您%1后开放。</translation>
    </message>
    <message>
        <source>; and </source>
        <translation>；并</translation>
    </message>
    <message>
        <source>Not started</source>
        <translation>未开始</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>学习中</translation>
    </message>
    <message>
        <source>Ready to play</source>
        <translation>可以播放</translation>
    </message>
    <message>
        <source>Not downloaded</source>
        <translation>未下载</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始学习</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>再次观看</translation>
    </message>
    <message>
        <source>Continue</source>
        <translation>继续学习</translation>
    </message>
    <message>
        <source>Documents</source>
        <translation>学习资料</translation>
    </message>
    <message>
        <source>{size} KB</source>
        <translation>{size} KB</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Not downloaded yet</source>
        <translation>尚未下载</translation>
    </message>
    <message>
        <source>Open document</source>
        <translation>打开资料</translation>
    </message>
    <message>
        <source>Downloading %1%</source>
        <translation>正在下载 %1%</translation>
    </message>
    <message>
        <source>Waiting to download</source>
        <translation>等待下载</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Download this course</source>
        <translation>下载本课程</translation>
    </message>
    <message>
        <source>Quizzes and exam</source>
        <translation>测验与考试</translation>
    </message>
    <message>
        <source>Quiz after %1</source>
        <translation>随堂测验：%1</translation>
    </message>
    <message>
        <source>Quiz %1</source>
        <translation>随堂测验 %1</translation>
    </message>
    <message>
        <source>Final exam</source>
        <translation>结业考试</translation>
    </message>
    <message>
        <source>Passed</source>
        <translation>已通过</translation>
    </message>
    <message>
        <source>Not done yet</source>
        <translation>尚未完成</translation>
    </message>
    <message>
        <source>No program on this PC can open {kind} files. Ask your administrator to install a reader for {kind} files, or copy the file to a PC that has one.

The file is at:
{path}</source>
        <translation>本机没有能打开 {kind} 文件的程序。请联系管理员安装 {kind} 阅读器，或把文件复制到装有阅读器的电脑上查看。

文件位置：
{path}</translation>
    </message>
    <message>
        <source>Show the folder</source>
        <translation>打开所在文件夹</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>必修</translation>
    </message>
    <message>
        <source>Elective</source>
        <translation>选修</translation>
    </message>
    <message>
        <source>Due {date}</source>
        <translation>截止 {date}</translation>
    </message>
    <message>
        <source>This course is not on this PC yet. Download it here: each lesson plays as soon as its own file has arrived, without waiting for the whole course.</source>
        <translation>本机还没有这门课程，请在这里下载。每节课下载完成后就能播放，不必等整门课程下载完。</translation>
    </message>
</context>
<context>
    <name>CourseRow</name>
    <message>
        <source>Required</source>
        <translation>必修</translation>
    </message>
    <message>
        <source>Elective</source>
        <translation>选修</translation>
    </message>
    <message>
        <source>Due %1</source>
        <translation>截止 %1</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <source>No due date</source>
        <translation>无截止日期</translation>
    </message>
    <message>
        <source>%1 credit hours</source>
        <translation>%1 学时</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>学习中</translation>
    </message>
    <message>
        <source>Not started</source>
        <translation>未开始</translation>
    </message>
    <message>
        <source>Not published yet</source>
        <translation>尚未发布</translation>
    </message>
    <message>
        <source>This course cannot be downloaded until it is published.</source>
        <translation>这门课程发布后才能下载。</translation>
    </message>
    <message>
        <source>Study</source>
        <translation>进入学习</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Course %1</source>
        <translation>课程编号 %1</translation>
    </message>
    <message>
        <source>Class: %1</source>
        <translation>培训班：%1</translation>
    </message>
    <message>
        <source>Credited by the server</source>
        <translation>服务器已计入学时</translation>
    </message>
    <message numerus="yes">
        <source>%n study progress update(s) waiting to sync</source>
        <translation>
            <numerusform>%n 条学习进度待同步</numerusform>
        </translation>
    </message>
    <message>
        <source>Study progress</source>
        <translation>学习进度</translation>
    </message>
    <message>
        <source>This course has not been published yet, so it cannot be downloaded. Ask your training administrator when it will be available.</source>
        <translation>该课程尚未发布，暂时不能下载。何时可以学习，请咨询培训管理员。</translation>
    </message>
    <message>
        <source>watch the videos</source>
        <translation>观看视频</translation>
    </message>
    <message numerus="yes">
        <source>pass %n quiz(zes)</source>
        <translation>
            <numerusform>通过 %n 个随堂测验</numerusform>
        </translation>
    </message>
    <message>
        <source>pass the final exam</source>
        <translation>通过结业考试</translation>
    </message>
    <message>
        <source>Still to do: %1. The credit hours count once all of it is done.</source>
        <translation>还需完成：%1。全部完成后才计入学时。</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
</context>
<context>
    <name>CoverageBar</name>
    <message>
        <source>Watched: {percent}%</source>
        <translation>已观看：{percent}%</translation>
    </message>
</context>
<context>
    <name>Demo</name>
    <message>
        <source>studydesk-server %1 failed:</source>
        <translation>studydesk-server %1 执行失败：</translation>
    </message>
    <message>
        <source>Published the demo course %1, version %2.</source>
        <translation>已发布演示课程 %1，第 %2 版。</translation>
    </message>
    <message>
        <source>The demo course %1 is unchanged (version %2).</source>
        <translation>演示课程 %1 没有变化（第 %2 版）。</translation>
    </message>
    <message>
        <source>The demo server stopped; see %1</source>
        <translation>演示服务器已停止运行，请查看 %1</translation>
    </message>
    <message>
        <source>The demo server did not start; see %1</source>
        <translation>演示服务器未能启动，请查看 %1</translation>
    </message>
    <message>
        <source>No display found (DISPLAY is not set): downloading the demo course with the command line instead. Run ./run demo on a desktop to see the window.</source>
        <translation>未找到显示器（未设置 DISPLAY）：改用命令行下载演示课程。在桌面环境中运行 ./run demo 即可看到窗口。</translation>
    </message>
    <message>
        <source>Demo server: %1  (data in %2)</source>
        <translation>演示服务器：%1（数据位于 %2）</translation>
    </message>
    <message>
        <source>Opening StudyDesk signed in as %1 (password %2).</source>
        <translation>正在打开 StudyDesk，以 %1 登录（密码 %2）。</translation>
    </message>
    <message>
        <source>Stopping the demo server.</source>
        <translation>正在停止演示服务器。</translation>
    </message>
    <message>
        <source>Demo course files: %1</source>
        <translation>演示课程文件：%1</translation>
    </message>
    <message>
        <source>Try: %1</source>
        <translation>试一试：%1</translation>
    </message>
    <message>
        <source>The demo server keeps running; press Ctrl-C to stop it.</source>
        <translation>演示服务器保持运行；按 Ctrl-C 停止。</translation>
    </message>
</context>
<context>
    <name>Download</name>
    <message>
        <source>%1 s left</source>
        <translation>剩余 %1 秒</translation>
    </message>
    <message>
        <source>%1 min left</source>
        <translation>剩余 %1 分钟</translation>
    </message>
    <message>
        <source>%1 h %2 min left</source>
        <translation>剩余 %1 小时 %2 分钟</translation>
    </message>
    <message>
        <source>Stopped. Run the same command again to continue where it stopped.</source>
        <translation>已停止。再次运行同一命令即可从中断处继续。</translation>
    </message>
</context>
<context>
    <name>DownloadControls</name>
    <message>
        <source>Downloaded · %1</source>
        <translation>已下载 · %1</translation>
    </message>
    <message>
        <source>Downloading</source>
        <translation>正在下载</translation>
    </message>
    <message>
        <source>Waiting to download</source>
        <translation>等待下载</translation>
    </message>
    <message>
        <source>Paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>Waiting for the network; will continue by itself</source>
        <translation>等待网络恢复，恢复后自动继续</translation>
    </message>
    <message>
        <source>Download failed</source>
        <translation>下载失败</translation>
    </message>
    <message>
        <source>Partly downloaded · %1</source>
        <translation>部分已下载 · %1</translation>
    </message>
    <message>
        <source>Not downloaded</source>
        <translation>未下载</translation>
    </message>
    <message>
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Downloaded</source>
        <translation>已下载</translation>
    </message>
    <message>
        <source>Connecting to the course server…</source>
        <translation>正在连接课程服务器…</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>Waits for the allowed download hours (%1); starts by itself</source>
        <translation>等待允许下载的时段（%1），到时自动开始</translation>
    </message>
    <message>
        <source>Waits for the allowed download hours; starts by itself</source>
        <translation>等待允许下载的时段，到时自动开始</translation>
    </message>
    <message>
        <source>%1 to download</source>
        <translation>需下载 %1</translation>
    </message>
    <message>
        <source>If this keeps happening, contact your training administrator.</source>
        <translation>如果多次出现此问题，请联系培训管理员。</translation>
    </message>
</context>
<context>
    <name>Durations</name>
    <message>
        <source>%1 s</source>
        <translation>%1秒</translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1分%2秒</translation>
    </message>
</context>
<context>
    <name>ExamWindow</name>
    <message>
        <source>Loading the exam…</source>
        <translation>正在载入考试…</translation>
    </message>
    <message>
        <source>You have used every attempt at this exam.</source>
        <translation>本考试的作答次数已全部用完。</translation>
    </message>
    <message>
        <source>Close the exam?</source>
        <translation>关闭考试？</translation>
    </message>
    <message>
        <source>Close the exam now? Your answers are not submitted.</source>
        <translation>现在关闭考试吗？答案不会提交。</translation>
    </message>
    <message>
        <source>This score was worked out on this PC. The server grades your answers once they are synced; if its grade differs, the server&apos;s grade counts, and the course page shows it.</source>
        <translation>此成绩由本机评出。答案同步后由服务器评分；如两者不同，以服务器成绩为准，课程页面会注明。</translation>
    </message>
    <message>
        <source>Final exam</source>
        <translation>结业考试</translation>
    </message>
    <message>
        <source>Final exam: %1</source>
        <translation>结业考试：%1</translation>
    </message>
    <message>
        <source>Continue the exam</source>
        <translation>继续考试</translation>
    </message>
    <message>
        <source>Start the exam</source>
        <translation>开始考试</translation>
    </message>
    <message>
        <source>Not now</source>
        <translation>暂不开始</translation>
    </message>
    <message>
        <source>Questions: %1</source>
        <translation>共 %1 题</translation>
    </message>
    <message>
        <source>Pass mark %1%</source>
        <translation>及格线 %1%</translation>
    </message>
    <message>
        <source>Time allowed: %1</source>
        <translation>限时 %1</translation>
    </message>
    <message>
        <source>No time limit</source>
        <translation>不限时</translation>
    </message>
    <message>
        <source>Your exam was interrupted. It continues with the same questions and the answers you gave, with %1 left.</source>
        <translation>您的考试曾中断。继续后试题和已作答的答案不变，剩余时间 %1。</translation>
    </message>
    <message>
        <source>no time limit</source>
        <translation>不限时</translation>
    </message>
    <message>
        <source>Ready to start? %1</source>
        <translation>准备好了吗？%1</translation>
    </message>
    <message>
        <source>Once you start, the clock runs until you submit; when the time is up, your answers are submitted automatically. Your answers are saved as you go. If the PC stops (a crash or a power cut) or you close this window, the exam continues later with the same questions and the time you had left: time while the exam is closed does not count. The server sees when the exam started and ended and how long it was open. Each new exam uses one attempt.</source>
        <translation>开始后即开始计时，直到提交为止；时间一到，答案自动提交。答案随答随存。如电脑中途停止（程序崩溃或断电）或关闭本窗口，之后可继续考试，试题不变、剩余时间不变：考试关闭期间不计时。服务器可以看到考试的开始和结束时间以及实际作答时长。每开始一次新的考试，使用一次作答机会。</translation>
    </message>
</context>
<context>
    <name>ExportRecords</name>
    <message>
        <source>Export study records</source>
        <translation>导出学习进度</translation>
    </message>
    <message>
        <source>Record files (*.json)</source>
        <translation>学习进度文件 (*.json)</translation>
    </message>
    <message>
        <source>%n record(s) written. Give this file to your training administrator to import on the server.</source>
        <translation>已导出 %n 条学习进度。请将此文件交给培训管理员导入服务器。</translation>
    </message>
</context>
<context>
    <name>KitImport</name>
    <message>
        <source>Courses for this site were found in %1 (%2 course(s)). Import them now? Every file is checked before it is used.</source>
        <translation>在 %1 找到本单位的课程（%2 门）。现在导入吗？每个文件都会先校验再使用。</translation>
    </message>
    <message>
        <source>Import courses</source>
        <translation>导入课程</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>导入</translation>
    </message>
    <message>
        <source>Not now</source>
        <translation>暂不导入</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>StudyDesk — Cadre Online Training</source>
        <translation>StudyDesk 干部网络学习</translation>
    </message>
    <message>
        <source>&amp;Study</source>
        <translation>学习(&amp;S)</translation>
    </message>
    <message>
        <source>Import courses from USB…</source>
        <translation>从U盘导入课程…</translation>
    </message>
    <message>
        <source>Switch user</source>
        <translation>切换用户</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>工具(&amp;T)</translation>
    </message>
    <message>
        <source>Settings…</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>About StudyDesk</source>
        <translation>关于 StudyDesk</translation>
    </message>
    <message>
        <source>← Back to My Courses</source>
        <translation>← 返回我的学习</translation>
    </message>
    <message>
        <source>Export study progress to a file…</source>
        <translation>导出学习进度到文件…</translation>
    </message>
    <message>
        <source>Study progress the server refused…</source>
        <translation>被服务器退回的学习进度…</translation>
    </message>
    <message>
        <source>StudyDesk %1 — an offline-capable learning client for cadre online training.</source>
        <translation>StudyDesk %1 —— 支持离线学习的干部网络培训客户端。</translation>
    </message>
    <message>
        <source>Server: %1</source>
        <translation>服务器：%1</translation>
    </message>
    <message>
        <source>Site file: %1</source>
        <translation>站点配置文件：%1</translation>
    </message>
    <message>
        <source>none (defaults)</source>
        <translation>无（使用默认设置）</translation>
    </message>
    <message>
        <source>Help and support: %1</source>
        <translation>技术支持：%1</translation>
    </message>
    <message>
        <source>For help, ask your training administrator.</source>
        <translation>如需帮助，请联系培训管理员。</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>My certificates…</source>
        <translation>我的证书…</translation>
    </message>
    <message>
        <source>Verify a certificate…</source>
        <translation>验证证书…</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>Something went wrong while talking to the server.</source>
        <translation>与服务器通信时出错。</translation>
    </message>
    <message>
        <source>The server cannot be reached. Check the network and try again.</source>
        <translation>无法连接服务器，请检查网络后重试。</translation>
    </message>
    <message>
        <source>The server is busy. StudyDesk will try again shortly.</source>
        <translation>服务器繁忙，稍后将自动重试。</translation>
    </message>
    <message>
        <source>Your sign-in has expired. Please sign in again.</source>
        <translation>登录已过期，请重新登录。</translation>
    </message>
    <message>
        <source>The server refused the record.</source>
        <translation>服务器拒绝了这条记录。</translation>
    </message>
    <message>
        <source>The data failed its integrity check and was not used.</source>
        <translation>数据未通过完整性校验，未被使用。</translation>
    </message>
    <message>
        <source>The data is not in a format StudyDesk understands.</source>
        <translation>数据格式无法识别。</translation>
    </message>
    <message>
        <source>The package names a file outside its folder and was refused.</source>
        <translation>课程包中的文件路径超出了所在文件夹，已拒绝。</translation>
    </message>
    <message>
        <source>The file could not be saved. Check that the disk has free space.</source>
        <translation>文件无法保存，请检查磁盘是否有足够空间。</translation>
    </message>
    <message>
        <source>The study data on this PC is busy in another program. Try again in a moment.</source>
        <translation>本机的学习数据正被另一个程序占用，请稍后再试。</translation>
    </message>
    <message>
        <source>The study data on this PC was saved by a newer version of StudyDesk. Please update StudyDesk.</source>
        <translation>本机的学习数据由更新版本的 StudyDesk 保存，请升级 StudyDesk。</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>已取消。</translation>
    </message>
    <message>
        <source>The data could not be encoded.</source>
        <translation>数据无法编码。</translation>
    </message>
    <message>
        <source>The file is damaged: it is not valid JSON.</source>
        <translation>文件已损坏：不是有效的 JSON。</translation>
    </message>
    <message>
        <source>The package was made by a newer version of the system. Please update StudyDesk.</source>
        <translation>该课程包由更新版本的系统制作，请升级 StudyDesk。</translation>
    </message>
    <message>
        <source>The file is incomplete: a required field is missing.</source>
        <translation>文件不完整：缺少必需的字段。</translation>
    </message>
    <message>
        <source>The file contains an invalid value.</source>
        <translation>文件中包含无效的值。</translation>
    </message>
    <message>
        <source>The file contains an invalid identifier.</source>
        <translation>文件中包含无效的标识。</translation>
    </message>
    <message>
        <source>The file contains an invalid checksum.</source>
        <translation>文件中包含无效的校验值。</translation>
    </message>
    <message>
        <source>A key in the configuration is not valid.</source>
        <translation>配置中的密钥无效。</translation>
    </message>
    <message>
        <source>The signature does not match: the data may have been tampered with and was not used.</source>
        <translation>签名不符：数据可能已被篡改，未被使用。</translation>
    </message>
    <message>
        <source>The package is signed by a publisher this site does not trust.</source>
        <translation>该课程包的发布者不受本单位信任。</translation>
    </message>
    <message>
        <source>The site file was not found.</source>
        <translation>找不到站点配置文件。</translation>
    </message>
    <message>
        <source>The site file is damaged: it is not valid TOML.</source>
        <translation>站点配置文件已损坏：不是有效的 TOML。</translation>
    </message>
    <message>
        <source>The site file contains an invalid setting.</source>
        <translation>站点配置文件中有无效的设置。</translation>
    </message>
    <message>
        <source>The course or file was not found in the repository.</source>
        <translation>课程库中找不到该课程或文件。</translation>
    </message>
    <message>
        <source>The server refused access to the course repository.</source>
        <translation>服务器拒绝访问课程库。</translation>
    </message>
    <message>
        <source>The server had an internal error. Please try again later.</source>
        <translation>服务器内部出错，请稍后重试。</translation>
    </message>
    <message>
        <source>The server gave an unexpected answer.</source>
        <translation>服务器返回了意外的应答。</translation>
    </message>
    <message>
        <source>The server&apos;s security certificate could not be verified.</source>
        <translation>无法验证服务器的安全证书。</translation>
    </message>
    <message>
        <source>The package folder could not be read.</source>
        <translation>无法读取课程包文件夹。</translation>
    </message>
    <message>
        <source>The file is far larger than it should be and was not used.</source>
        <translation>文件远大于应有大小，未被使用。</translation>
    </message>
    <message>
        <source>The server sent the wrong part of a file.</source>
        <translation>服务器发送了错误的文件片段。</translation>
    </message>
    <message>
        <source>A file arrived incomplete. Try again later.</source>
        <translation>文件接收不完整，请稍后重试。</translation>
    </message>
    <message>
        <source>A partly downloaded file had to be started over.</source>
        <translation>部分下载的文件需要重新下载。</translation>
    </message>
    <message>
        <source>A file failed its checksum: it is damaged or was tampered with, and was not used.</source>
        <translation>文件校验失败：文件已损坏或被篡改，未被使用。</translation>
    </message>
    <message>
        <source>A file has the wrong size: it is damaged or was tampered with, and was not used.</source>
        <translation>文件大小不符：文件已损坏或被篡改，未被使用。</translation>
    </message>
    <message>
        <source>The repository sent the description of a different course.</source>
        <translation>课程库发来的是另一门课程的说明。</translation>
    </message>
    <message>
        <source>This lesson has not been downloaded yet.</source>
        <translation>本节课尚未下载。</translation>
    </message>
    <message>
        <source>The disk is full. Free some space and try again; nothing already downloaded was lost.</source>
        <translation>磁盘已满。请清理空间后重试；已下载的内容不会丢失。</translation>
    </message>
    <message>
        <source>This folder does not contain a course package.</source>
        <translation>此文件夹中没有课程包。</translation>
    </message>
    <message>
        <source>The course is not fully downloaded yet, so it cannot be exported.</source>
        <translation>课程尚未下载完整，无法导出。</translation>
    </message>
    <message>
        <source>The site file pins no publisher keys, so no course can be trusted. Ask your administrator.</source>
        <translation>站点配置文件中没有指定发布者密钥，无法信任任何课程。请联系管理员。</translation>
    </message>
    <message>
        <source>The lesson&apos;s video file is missing. Download it again.</source>
        <translation>本节课的视频文件缺失，请重新下载。</translation>
    </message>
    <message>
        <source>The lesson&apos;s video file is damaged and cannot be played. Download it again.</source>
        <translation>本节课的视频文件已损坏，无法播放，请重新下载。</translation>
    </message>
    <message>
        <source>The video player (VLC) is not installed correctly on this PC. Ask your administrator.</source>
        <translation>本机的视频播放组件（VLC）安装不正确，请联系管理员。</translation>
    </message>
    <message>
        <source>The video could not be played.</source>
        <translation>视频无法播放。</translation>
    </message>
    <message>
        <source>The course&apos;s study rules are not valid. Ask your administrator.</source>
        <translation>课程的学习规则无效，请联系管理员。</translation>
    </message>
    <message>
        <source>The user name or password is wrong.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <source>This account is locked after too many wrong passwords. Ask your administrator to unlock it.</source>
        <translation>密码错误次数过多，账号已被锁定。请联系管理员解锁。</translation>
    </message>
    <message>
        <source>This account has been deactivated. Ask your administrator.</source>
        <translation>此账号已被停用。请联系管理员。</translation>
    </message>
    <message>
        <source>Say who is signing in (--user).</source>
        <translation>请指定登录人员（--user）。</translation>
    </message>
    <message>
        <source>There is no terminal to type the password on. Give it on standard input with --password-stdin.</source>
        <translation>没有可输入密码的终端。请用 --password-stdin 从标准输入提供密码。</translation>
    </message>
    <message>
        <source>Your saved sign-in on this PC cannot be opened. Sign in again while online.</source>
        <translation>无法读取本机保存的登录信息，请在联网时重新登录。</translation>
    </message>
    <message>
        <source>This PC&apos;s key belongs to another person on the server.</source>
        <translation>服务器上，本机的密钥属于另一个人。</translation>
    </message>
    <message>
        <source>The server knows this PC with a different key.</source>
        <translation>服务器登记的本机密钥与当前不同。</translation>
    </message>
    <message>
        <source>The server does not know this PC yet. Sign in online once.</source>
        <translation>服务器尚未登记本机，请联网登录一次。</translation>
    </message>
    <message>
        <source>This person has no account on the server.</source>
        <translation>服务器上没有此人的账号。</translation>
    </message>
    <message>
        <source>The record was signed on a PC enrolled to another person.</source>
        <translation>这条记录是在登记给另一个人的电脑上签名的。</translation>
    </message>
    <message>
        <source>The record belongs to another person.</source>
        <translation>这条记录属于另一个人。</translation>
    </message>
    <message>
        <source>A different record with the same id is already on the server.</source>
        <translation>服务器上已有编号相同但内容不同的记录。</translation>
    </message>
    <message>
        <source>The server already has another record in this place.</source>
        <translation>服务器上此位置已有另一条记录。</translation>
    </message>
    <message>
        <source>The server is still missing an earlier study record. StudyDesk will send this one again later.</source>
        <translation>服务器上仍缺少之前的一条学习记录，StudyDesk 稍后会再次发送这条记录。</translation>
    </message>
    <message>
        <source>The record does not follow the one before it.</source>
        <translation>这条记录与前一条记录衔接不上。</translation>
    </message>
    <message>
        <source>The record is malformed.</source>
        <translation>记录格式错误。</translation>
    </message>
    <message>
        <source>The server could not read the records sent.</source>
        <translation>服务器无法读取发送的记录。</translation>
    </message>
    <message>
        <source>The records sent were damaged on the way.</source>
        <translation>发送的记录在传输中损坏。</translation>
    </message>
    <message>
        <source>The server gave an answer StudyDesk does not understand.</source>
        <translation>服务器返回了无法识别的应答。</translation>
    </message>
    <message>
        <source>The server did not answer for the records sent. StudyDesk will try again.</source>
        <translation>服务器没有回应已发送的记录，稍后将自动重试。</translation>
    </message>
    <message>
        <source>This is not a StudyDesk records file.</source>
        <translation>这不是 StudyDesk 的记录文件。</translation>
    </message>
    <message>
        <source>Some of this person&apos;s study progress has not reached the server yet, so their data on this PC was kept.</source>
        <translation>此人还有学习进度没有上传到服务器，因此其本机数据已保留。</translation>
    </message>
    <message>
        <source>Too many failed sign-ins for this name or from this PC. Wait a few minutes, then try again.</source>
        <translation>此用户名或本机登录失败次数过多。请等几分钟后再试。</translation>
    </message>
    <message>
        <source>Your sign-in was used from somewhere else, so the server ended it for safety. Please sign in again.</source>
        <translation>您的登录凭据在别处被使用，服务器为安全起见已将其作废。请重新登录。</translation>
    </message>
    <message>
        <source>You already use the most PCs one person may have. Ask your administrator.</source>
        <translation>您使用的电脑数量已达每人上限。请联系管理员。</translation>
    </message>
    <message>
        <source>The connection stalled while sending. StudyDesk will try again.</source>
        <translation>发送时连接中断。StudyDesk 将稍后重试。</translation>
    </message>
    <message>
        <source>The data contains text that is not valid Unicode.</source>
        <translation>数据中含有无效的 Unicode 文本。</translation>
    </message>
    <message>
        <source>The data contains a number that is not valid.</source>
        <translation>数据中含有无效的数字。</translation>
    </message>
    <message>
        <source>The data names the same field twice.</source>
        <translation>数据中同一字段出现了两次。</translation>
    </message>
    <message>
        <source>The data is nested too deeply.</source>
        <translation>数据嵌套层次过深。</translation>
    </message>
    <message>
        <source>The data contains a text that is far too long.</source>
        <translation>数据中含有过长的文本。</translation>
    </message>
    <message>
        <source>The data holds far more values than it should.</source>
        <translation>数据中的数值项远多于应有数量。</translation>
    </message>
    <message>
        <source>The data contains a number that is far too long.</source>
        <translation>数据中含有过长的数字。</translation>
    </message>
    <message>
        <source>This is not a StudyDesk certificate text.</source>
        <translation>这不是 StudyDesk 证书的验证码。</translation>
    </message>
    <message>
        <source>The certificate revocation list is damaged and was not used.</source>
        <translation>证书撤销名单已损坏，未被使用。</translation>
    </message>
    <message>
        <source>No StudyDesk certificate was found in this file. Choose a clear picture of the QR code, the certificate&apos;s PDF, or paste its text.</source>
        <translation>在该文件中没有找到 StudyDesk 证书。请选择二维码清晰的图片或证书 PDF，或直接粘贴验证码。</translation>
    </message>
    <message>
        <source>This file is not a picture, PDF or text of a certificate, or it is too large.</source>
        <translation>该文件不是证书的图片、PDF 或文本，或者文件过大。</translation>
    </message>
</context>
<context>
    <name>MyCoursesPage</name>
    <message>
        <source>My Courses</source>
        <translation>我的学习</translation>
    </message>
    <message>
        <source>(signed in offline)</source>
        <translation>（离线登录）</translation>
    </message>
    <message>
        <source>Type:</source>
        <translation>类别：</translation>
    </message>
    <message>
        <source>Status:</source>
        <translation>状态：</translation>
    </message>
    <message>
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>必修</translation>
    </message>
    <message>
        <source>Elective</source>
        <translation>选修</translation>
    </message>
    <message>
        <source>Not started</source>
        <translation>未开始</translation>
    </message>
    <message>
        <source>In progress</source>
        <translation>学习中</translation>
    </message>
    <message>
        <source>Completed</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Import from USB…</source>
        <translation>从U盘导入…</translation>
    </message>
    <message>
        <source>No courses have been assigned to you yet.</source>
        <translation>目前还没有给您分配课程。</translation>
    </message>
    <message>
        <source>No course matches the filter.</source>
        <translation>没有符合筛选条件的课程。</translation>
    </message>
    <message>
        <source>Could not get the latest course list; showing the one saved on this PC.</source>
        <translation>无法获取最新的课程列表，当前显示的是本机保存的列表。</translation>
    </message>
    <message>
        <source>Choose the course folder on the USB stick</source>
        <translation>选择U盘上的课程文件夹</translation>
    </message>
</context>
<context>
    <name>PaperView</name>
    <message>
        <source>Submit your answers</source>
        <translation>提交答案</translation>
    </message>
    <message>
        <source>Not answered yet: question %1. Unanswered questions score nothing. Submit anyway?</source>
        <translation>以下题目尚未作答：第 %1 题。未作答的题目不得分。仍要提交吗？</translation>
    </message>
    <message>
        <source>Submit</source>
        <translation>提交</translation>
    </message>
    <message>
        <source>Go back to the questions</source>
        <translation>返回作答</translation>
    </message>
    <message>
        <source>Previous</source>
        <translation>上一题</translation>
    </message>
    <message>
        <source>Next</source>
        <translation>下一题</translation>
    </message>
    <message>
        <source>Answered %1 of %2</source>
        <translation>已答 %1 / %2 题</translation>
    </message>
</context>
<context>
    <name>PlayerControls</name>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>Play or pause (Space)</source>
        <translation>播放或暂停（空格键）</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <source>Full screen (F11, Esc to leave)</source>
        <translation>全屏（F11，按 Esc 退出）</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>音量</translation>
    </message>
    <message>
        <source>Speed {rate}×</source>
        <translation>倍速 {rate}×</translation>
    </message>
    <message>
        <source>Playback speed</source>
        <translation>播放速度</translation>
    </message>
    <message>
        <source>Study rules: </source>
        <translation>学习规则：</translation>
    </message>
    <message>
        <source>Credited for this lesson: {time} ({percent}%)</source>
        <translation>本节已认定：{time}（{percent}%）</translation>
    </message>
    <message>
        <source>Leave full screen</source>
        <translation>退出全屏</translation>
    </message>
    <message>
        <source>Leave full screen (Esc)</source>
        <translation>退出全屏（Esc）</translation>
    </message>
    <message>
        <source>Watched (green):</source>
        <translation>已看部分（绿色）：</translation>
    </message>
    <message>
        <source>Parts of this lesson already watched</source>
        <translation>本节已看过的部分</translation>
    </message>
</context>
<context>
    <name>PlayerWindow</name>
    <message>
        <source>Lesson</source>
        <translation>课程视频</translation>
    </message>
    <message>
        <source>{title} — StudyDesk</source>
        <translation>{title} — StudyDesk</translation>
    </message>
    <message>
        <source>You are studying another lesson in another window or copy of StudyDesk: this window plays, but earns no credit. Close the other lesson to earn credit here.</source>
        <translation>您正在另一个窗口或另一个 StudyDesk 程序中学习其他课程：本窗口可以播放，但不计学时。关闭另一节课后，在这里学习才会计入学时。</translation>
    </message>
    <message>
        <source>The video file of this lesson is not on this PC. Download it again to watch; nothing is credited until then.</source>
        <translation>本机没有本节课的视频文件。请重新下载后观看；下载前不计学时。</translation>
    </message>
    <message>
        <source>The video file of this lesson is damaged and cannot be played. Download it again; nothing was credited for it.</source>
        <translation>本节课的视频文件已损坏，无法播放。请重新下载；该文件未计任何学时。</translation>
    </message>
    <message>
        <source>The video file of this lesson stops before its end: it is damaged. Download it again; only what you really watched was credited.</source>
        <translation>本节课的视频文件不完整（未到结尾即中断），文件已损坏。请重新下载；只有您实际观看的部分计入学时。</translation>
    </message>
    <message>
        <source>This lesson is not part of any course on this PC.</source>
        <translation>本机的课程中没有这节课。</translation>
    </message>
    <message>
        <source>The damaged file was removed. It is being downloaded again; open the lesson when it is ready.</source>
        <translation>已删除损坏的文件，正在重新下载；下载完成后再打开本节课。</translation>
    </message>
    <message>
        <source>The file on this PC is exactly the published one, so downloading it again will not help. Please tell your training administrator that this lesson cannot be played.</source>
        <translation>本机上的文件与发布的文件完全一致，重新下载也无济于事。请告知培训管理员：本节课无法播放。</translation>
    </message>
    <message>
        <source>Paused because another window is in front. Playback continues when you click this window.</source>
        <translation>已暂停：您切换到了其他窗口。点一下本窗口即可继续播放。</translation>
    </message>
    <message>
        <source>Paused because the window was minimised. Playback continues when you open it again.</source>
        <translation>已暂停：窗口被最小化了。重新打开本窗口即可继续播放。</translation>
    </message>
    <message>
        <source>Paused until you confirm that you are still studying.</source>
        <translation>已暂停：请先确认您仍在学习。</translation>
    </message>
    <message>
        <source>Paused. Press Space or click Play to continue.</source>
        <translation>已暂停。按空格键或点“播放”继续。</translation>
    </message>
</context>
<context>
    <name>QFileDialog</name>
    <message>
        <source>&amp;Look in:</source>
        <translation>查找范围(&amp;L)：</translation>
    </message>
    <message>
        <source>Files of &amp;type:</source>
        <translation>文件类型(&amp;T)：</translation>
    </message>
</context>
<context>
    <name>QuestionView</name>
    <message>
        <source>True</source>
        <translation>正确</translation>
    </message>
    <message>
        <source>False</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>Question %1 of %2</source>
        <translation>第 %1 题，共 %2 题</translation>
    </message>
    <message>
        <source>Blank %1: type your answer here</source>
        <translation>第 %1 空：在此输入答案</translation>
    </message>
    <message>
        <source>Type your answer here</source>
        <translation>在此输入答案</translation>
    </message>
</context>
<context>
    <name>QuizDialog</name>
    <message>
        <source>Quiz</source>
        <translation>随堂测验</translation>
    </message>
    <message>
        <source>Quiz: %1</source>
        <translation>随堂测验：%1</translation>
    </message>
    <message>
        <source>Attempt %1 of %2</source>
        <translation>第 %1 次作答，共 %2 次</translation>
    </message>
    <message>
        <source>Attempt %1</source>
        <translation>第 %1 次作答</translation>
    </message>
    <message>
        <source>Pass mark %1%</source>
        <translation>及格线 %1%</translation>
    </message>
    <message>
        <source>Questions: %1</source>
        <translation>共 %1 题</translation>
    </message>
    <message>
        <source>Time allowed: %1</source>
        <translation>限时 %1</translation>
    </message>
</context>
<context>
    <name>RejectedRecordsDialog</name>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Course</source>
        <translation>课程</translation>
    </message>
    <message>
        <source>Reason given by the server</source>
        <translation>服务器给出的原因</translation>
    </message>
    <message>
        <source>The server refused these study records. They stay on this PC; please show this list to your training administrator.</source>
        <translation>服务器退回了以下学习进度。它们仍保存在本机，请将此列表告知培训管理员。</translation>
    </message>
    <message>
        <source>Study progress the server refused</source>
        <translation>被服务器退回的学习进度</translation>
    </message>
    <message>
        <source>Study progress the server refused is listed here, with its reason.</source>
        <translation>这里列出被服务器退回的学习进度及退回原因。</translation>
    </message>
    <message>
        <source>None. The server has not refused any of your study progress.</source>
        <translation>无。服务器没有退回您的任何学习进度。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在读取…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>RemindersBanner</name>
    <message>
        <source>Reminders</source>
        <translation>学习提醒</translation>
    </message>
    <message>
        <source>(As of the last sync, %1.)</source>
        <translation>（截至上次同步：%1）</translation>
    </message>
    <message>
        <source>%1 more credits are needed to reach this year&apos;s target; please plan your study.</source>
        <translation>距本年度学分目标还差 %1 学分，请合理安排学习。</translation>
    </message>
    <message>
        <source>%1 more credit hours are needed to reach this year&apos;s target; please plan your study.</source>
        <translation>距本年度学时目标还差 %1 学时，请合理安排学习。</translation>
    </message>
    <message>
        <source>“%1” was due on %2; please complete it as soon as possible.</source>
        <translation>《%1》已于 %2 到期，请尽快完成。</translation>
    </message>
    <message>
        <source>“%1” is due today; please complete it in time.</source>
        <translation>《%1》今天到期，请抓紧完成。</translation>
    </message>
    <message>
        <source>“%1” is due on %2; please complete it in time.</source>
        <translation>《%1》将于 %2 到期，请按时完成。</translation>
    </message>
    <message>
        <source>{day} {month_name}</source>
        <translation>{month}月{day}日</translation>
    </message>
    <message>
        <source>{day} {month_name} {year}</source>
        <translation>{year}年{month}月{day}日</translation>
    </message>
</context>
<context>
    <name>ResultView</name>
    <message>
        <source>Passed</source>
        <translation>已通过</translation>
    </message>
    <message>
        <source>Not passed</source>
        <translation>未通过</translation>
    </message>
    <message>
        <source>Your score: %1 of %2 (%3%). The pass mark is %4%.</source>
        <translation>得分：%1 / %2（%3%）。及格线为 %4%。</translation>
    </message>
    <message>
        <source>Take it again</source>
        <translation>再做一次</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Every answer is right.</source>
        <translation>全部答对。</translation>
    </message>
    <message>
        <source>Your mistakes</source>
        <translation>答错的题目</translation>
    </message>
    <message>
        <source>Answers not right: %1</source>
        <translation>答错 %1 题。</translation>
    </message>
    <message>
        <source>The right answers are shown once you pass or have used every attempt.</source>
        <translation>通过或用完全部作答次数后，才显示正确答案。</translation>
    </message>
    <message>
        <source>The right answers are not shown for this test.</source>
        <translation>本测试不显示正确答案。</translation>
    </message>
    <message>
        <source>The accepted answers are not kept on this PC.</source>
        <translation>（填空题的正确答案不保存在本机）</translation>
    </message>
    <message>
        <source>Your answer: %1</source>
        <translation>您的答案：%1</translation>
    </message>
    <message>
        <source>Right answer: %1</source>
        <translation>正确答案：%1</translation>
    </message>
</context>
<context>
    <name>SeekSlider</name>
    <message>
        <source>Playback position</source>
        <translation>播放位置</translation>
    </message>
</context>
<context>
    <name>SelfCheck</name>
    <message>
        <source>Program</source>
        <translation>程序</translation>
    </message>
    <message>
        <source>Qt (offscreen)</source>
        <translation>Qt（离屏）</translation>
    </message>
    <message>
        <source>Chinese font</source>
        <translation>中文字体</translation>
    </message>
    <message>
        <source>Chinese translation</source>
        <translation>中文翻译</translation>
    </message>
    <message>
        <source>Video playback (VLC)</source>
        <translation>视频播放（VLC）</translation>
    </message>
    <message>
        <source>Site file</source>
        <translation>站点配置文件</translation>
    </message>
    <message>
        <source>Self-check failed: %1 part(s) missing or broken.</source>
        <translation>自检未通过：%1 个部分缺失或损坏。</translation>
    </message>
    <message>
        <source>Self-check passed: every part works.</source>
        <translation>自检通过：各部分均正常。</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>标准</translation>
    </message>
    <message>
        <source>Large</source>
        <translation>大</translation>
    </message>
    <message>
        <source>Extra large</source>
        <translation>特大</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>界面语言</translation>
    </message>
    <message>
        <source>Text size</source>
        <translation>文字大小</translation>
    </message>
    <message>
        <source>Data folder</source>
        <translation>数据文件夹</translation>
    </message>
    <message>
        <source>Download speed limit</source>
        <translation>下载限速</translation>
    </message>
    <message>
        <source>Download times</source>
        <translation>允许下载时段</translation>
    </message>
    <message>
        <source>Server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>CA certificate</source>
        <translation>CA 证书</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>No limit</source>
        <translation>不限速</translation>
    </message>
    <message>
        <source>Any time, or e.g. 12:00-13:30, 18:00-23:00</source>
        <translation>不填表示任何时间，例如 12:00-13:30, 18:00-23:00</translation>
    </message>
    <message>
        <source>System certificates</source>
        <translation>系统证书</translation>
    </message>
    <message>
        <source>A new server or CA certificate is used after StudyDesk is restarted. </source>
        <translation>更改服务器或 CA 证书后，需重新启动 StudyDesk 才会生效。</translation>
    </message>
    <message>
        <source>A new data folder is used after StudyDesk is restarted.</source>
        <translation>更改数据文件夹后，需重新启动 StudyDesk 才会生效。</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Choose the data folder</source>
        <translation>选择数据文件夹</translation>
    </message>
    <message>
        <source>This setting is not valid: %1</source>
        <translation>设置无效：%1</translation>
    </message>
    <message>
        <source>KB/s</source>
        <translation>KB/s</translation>
    </message>
    <message>
        <source>MB/s</source>
        <translation>MB/s</translation>
    </message>
</context>
<context>
    <name>SignInPage</name>
    <message>
        <source>StudyDesk
Cadre Online Training</source>
        <translation>StudyDesk
干部网络学习</translation>
    </message>
    <message>
        <source>Study your assigned courses, even when the network is down. Your progress is saved on this PC and sent to the server later.</source>
        <translation>没有网络也能学习分配给您的课程。学习进度先保存在本机，联网后自动上传到服务器。</translation>
    </message>
    <message>
        <source>Server: %s</source>
        <translation>服务器：%s</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>People who have used this PC — click your name:</source>
        <translation>在本机登录过的人员（点击您的名字）：</translation>
    </message>
    <message>
        <source>Username</source>
        <translation>用户名</translation>
    </message>
    <message>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>Your account name</source>
        <translation>您的账号</translation>
    </message>
    <message>
        <source>Your password</source>
        <translation>您的密码</translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
    <message>
        <source>No network? If you have signed in on this PC before, you can sign in offline with the same password.</source>
        <translation>没有网络？在本机登录过的人员可以用原密码离线登录。</translation>
    </message>
    <message>
        <source>The sign-in service is not installed.</source>
        <translation>登录服务未安装。</translation>
    </message>
    <message>
        <source>Please enter your username and password.</source>
        <translation>请输入用户名和密码。</translation>
    </message>
    <message>
        <source>This account is locked after too many wrong passwords. Please ask your training administrator to unlock it.</source>
        <translation>密码错误次数过多，账号已被锁定。请联系培训管理员解锁。</translation>
    </message>
    <message>
        <source>The server cannot be reached, and this account has not signed in on this PC before, so it cannot sign in offline. Check the network and try again.</source>
        <translation>无法连接服务器，且此账号从未在本机登录过，不能离线登录。请检查网络后重试。</translation>
    </message>
    <message>
        <source>Remove a name from this list…</source>
        <translation>从名单中移除某人…</translation>
    </message>
    <message>
        <source>Caps Lock is on: the password may be typed in capital letters.</source>
        <translation>大写锁定已打开：输入的密码可能变成了大写字母。</translation>
    </message>
    <message>
        <source>First click the name you want to remove.</source>
        <translation>请先点击要移除的姓名。</translation>
    </message>
    <message>
        <source>Remove from this PC&apos;s list</source>
        <translation>从本机名单中移除</translation>
    </message>
    <message>
        <source>Remove %1 from the list of people who use this PC?</source>
        <translation>要将 %1 从本机的登录名单中移除吗？</translation>
    </message>
    <message>
        <source>Their study progress stays on this PC. They can still sign in by typing their username while the network works; signing in without the network works again after that.</source>
        <translation>其学习进度仍保留在本机。联网时输入用户名仍可登录，之后也可以再次离线登录。</translation>
    </message>
    <message>
        <source>Also delete %1&apos;s study data on this PC</source>
        <translation>同时删除 %1 在本机上的学习数据</translation>
    </message>
    <message>
        <source>Remove from the list</source>
        <translation>从名单中移除</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Wrong username or password. The server cannot be reached, so the password was checked on this PC; a wrong password here does not count towards the server&apos;s sign-in wait.</source>
        <translation>用户名或密码错误。由于无法连接服务器，密码是在本机核对的；在本机输错密码不计入服务器的登录等待。</translation>
    </message>
    <message>
        <source>Wrong username or password. Please check and try again. After several wrong passwords in a row you must wait before trying again, so if you are unsure, ask your training administrator.</source>
        <translation>用户名或密码错误，请检查后重试。连续多次输错密码后需要等待一段时间才能再试，如果不确定，请询问培训管理员。</translation>
    </message>
    <message numerus="yes">
        <source>Not yet uploaded to the server: %n study progress update(s). Their data on this PC cannot be deleted until then.</source>
        <translation>
            <numerusform>尚有 %n 条学习进度未上传到服务器，在此之前不能删除其本机数据。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SingleInstance</name>
    <message>
        <source>StudyDesk is already running on this data folder; its window was brought forward.</source>
        <translation>学习桌已在使用此数据文件夹，已将其窗口调到前面。</translation>
    </message>
</context>
<context>
    <name>SiteCheck</name>
    <message>
        <source>Site file</source>
        <translation>站点配置文件</translation>
    </message>
    <message>
        <source>Site CA certificate</source>
        <translation>站点 CA 证书</translation>
    </message>
    <message>
        <source>Pinned publisher keys</source>
        <translation>指定的发布者密钥</translation>
    </message>
    <message>
        <source>Secure connection (TLS)</source>
        <translation>安全连接（TLS）</translation>
    </message>
    <message>
        <source>Server reachable</source>
        <translation>服务器可连接</translation>
    </message>
    <message>
        <source>Course repository readable</source>
        <translation>课程库可读取</translation>
    </message>
    <message>
        <source>No site file was found. Copy it to /etc/studydesk/site.toml (Windows: %PROGRAMDATA%\StudyDesk\site.toml), or name it with --site FILE.</source>
        <translation>找不到站点配置文件。请将其复制到 /etc/studydesk/site.toml（Windows：%PROGRAMDATA%\StudyDesk\site.toml），或用 --site 文件 指定。</translation>
    </message>
    <message>
        <source>The site file has an error (see above). Correct it in a text editor; site.example.toml explains every setting.</source>
        <translation>站点配置文件有错误（见上文）。请用文本编辑器改正；site.example.toml 中有每项设置的说明。</translation>
    </message>
    <message>
        <source>The CA certificate file named in [server] ca_bundle is missing. Copy the site&apos;s CA certificate (PEM) to that place.</source>
        <translation>[server] ca_bundle 中指定的 CA 证书文件不存在。请将站点的 CA 证书（PEM 格式）复制到该位置。</translation>
    </message>
    <message>
        <source>The file in [server] ca_bundle is not a PEM certificate. Export the site CA as PEM (Base64) and copy it again.</source>
        <translation>[server] ca_bundle 中的文件不是 PEM 证书。请将站点 CA 导出为 PEM（Base64）格式后重新复制。</translation>
    </message>
    <message>
        <source>No publisher key is pinned, so no course can be verified. Add the key printed by &quot;studydesk-server keys show&quot; to [publisher] keys.</source>
        <translation>没有指定发布者密钥，无法校验任何课程。请把 “studydesk-server keys show” 输出的密钥加入 [publisher] keys。</translation>
    </message>
    <message>
        <source>This PC cannot reach the server. Check the address in [server] url, the network cable, the proxy and the firewall, and that the server is running.</source>
        <translation>本机无法连接服务器。请检查 [server] url 中的地址、网线、代理和防火墙，并确认服务器正在运行。</translation>
    </message>
    <message>
        <source>The server&apos;s name cannot be resolved on this PC. Check the DNS server in the network settings, or use the server&apos;s IP address in [server] url.</source>
        <translation>本机无法解析服务器的名称。请检查网络设置中的 DNS 服务器，或在 [server] url 中改用服务器的 IP 地址。</translation>
    </message>
    <message>
        <source>The server did not answer in time. Check the network and that the server is running.</source>
        <translation>服务器未及时应答。请检查网络，并确认服务器正在运行。</translation>
    </message>
    <message>
        <source>The server&apos;s certificate is not trusted by this PC. Put the site CA certificate (PEM) next to the site file and name it in [server] ca_bundle.</source>
        <translation>本机不信任服务器的证书。请把站点 CA 证书（PEM）放在站点配置文件旁，并在 [server] ca_bundle 中指定。</translation>
    </message>
    <message>
        <source>The secure connection failed. Check that the address uses the right port and that the server&apos;s certificate is valid (dates, server name).</source>
        <translation>安全连接失败。请检查地址中的端口是否正确，以及服务器证书是否有效（有效期、服务器名称）。</translation>
    </message>
    <message>
        <source>The server answered with an error. Check that [server] url points at the StudyDesk server itself.</source>
        <translation>服务器返回错误。请检查 [server] url 是否指向 StudyDesk 服务器本身。</translation>
    </message>
    <message>
        <source>No course catalog (catalog.json) was found there. Check [repository] url, or that the USB stick or shared folder is connected.</source>
        <translation>在该位置找不到课程目录（catalog.json）。请检查 [repository] url，或确认U盘、共享文件夹已连接。</translation>
    </message>
    <message>
        <source>The course repository could not be read. Check the address, the network and the folder&apos;s permissions.</source>
        <translation>无法读取课程库。请检查地址、网络和文件夹权限。</translation>
    </message>
    <message>
        <source>The course catalog is signed by a key this site does not trust. Compare [publisher] keys with &quot;studydesk-server keys show&quot; on the server.</source>
        <translation>课程目录的签名密钥不受本站点信任。请将 [publisher] keys 与服务器上 “studydesk-server keys show” 的输出进行比对。</translation>
    </message>
    <message>
        <source>The course catalog is damaged or was changed after it was signed. Publish again on the server, or copy the repository again.</source>
        <translation>课程目录已损坏或在签名后被修改。请在服务器上重新发布，或重新复制课程库。</translation>
    </message>
    <message>
        <source>server %1, language %2</source>
        <translation>服务器 %1，语言 %2</translation>
    </message>
    <message>
        <source>no site file in the default places</source>
        <translation>默认位置没有站点文件</translation>
    </message>
    <message>
        <source>%1 certificate(s): %2</source>
        <translation>%1 个证书：%2</translation>
    </message>
    <message>
        <source>the list is empty</source>
        <translation>列表为空</translation>
    </message>
    <message>
        <source>%1 key(s): %2</source>
        <translation>%1 个密钥：%2</translation>
    </message>
    <message>
        <source>certificate verified with the site CA %1</source>
        <translation>已用站点 CA 证书 %1 验证服务器证书</translation>
    </message>
    <message>
        <source>certificate verified with the system certificate store</source>
        <translation>已用系统证书库验证服务器证书</translation>
    </message>
    <message>
        <source>answered in %1 ms</source>
        <translation>%1 毫秒内应答</translation>
    </message>
    <message>
        <source>%1 does not exist</source>
        <translation>%1 不存在</translation>
    </message>
    <message>
        <source>catalog signed by %1, %2 course(s): %3</source>
        <translation>课程目录由 %1 签名，共 %2 门课程：%3</translation>
    </message>
    <message>
        <source>not checked: see the server above</source>
        <translation>未检查：见上面的服务器检查</translation>
    </message>
    <message>
        <source>%1 check(s) failed.</source>
        <translation>%1 项检查未通过。</translation>
    </message>
    <message>
        <source>All checks passed: this PC is ready.</source>
        <translation>全部检查通过：本机已可以使用。</translation>
    </message>
</context>
<context>
    <name>SummaryPanel</name>
    <message>
        <source>Credit hours earned in %1</source>
        <translation>%1 年度已获学时</translation>
    </message>
    <message>
        <source>Required: %1 h   ·   Elective: %2 h</source>
        <translation>必修：%1 学时   ·   选修：%2 学时</translation>
    </message>
    <message>
        <source>Confirmed by the server: %1 h   ·   Waiting to sync from this PC: %2 h</source>
        <translation>服务器已确认：%1 学时   ·   本机待同步：%2 学时</translation>
    </message>
    <message>
        <source>Target met.</source>
        <translation>已完成年度目标。</translation>
    </message>
    <message>
        <source>On track for the target.</source>
        <translation>进度符合年度目标。</translation>
    </message>
    <message>
        <source>Behind the target.</source>
        <translation>落后于年度目标。</translation>
    </message>
    <message>
        <source>Rank %1 of %2 in %3; your unit ranks %4 of %5.</source>
        <translation>在%3的 %2 人中排第 %1 名；本单位在 %5 个单位中排第 %4 名。</translation>
    </message>
    <message>
        <source>Rank %1 of %2 in %3; your unit ranks %4 of the %5 units under %6.</source>
        <translation>在%3的 %2 人中排第 %1 名；本单位在%6下属的 %5 个单位中排第 %4 名。</translation>
    </message>
    <message>
        <source>(As of the last sync, %1.)</source>
        <translation>（截至上次同步：%1）</translation>
    </message>
    <message>
        <source>/ target %1 h</source>
        <translation>/ 目标 %1 学时</translation>
    </message>
    <message>
        <source>h</source>
        <translation>学时</translation>
    </message>
    <message>
        <source>A course&apos;s credit hours count once the whole course is complete (videos, quizzes and exam).</source>
        <translation>课程的视频、随堂测验和结业考试全部完成后，才计入学时。</translation>
    </message>
</context>
<context>
    <name>SyncStatusWidget</name>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>Sync problem</source>
        <translation>同步出现问题</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Last sync: %s</source>
        <translation>上次同步：%s</translation>
    </message>
    <message>
        <source>Not synced yet</source>
        <translation>尚未同步</translation>
    </message>
    <message>
        <source>today {time}</source>
        <translation>今天 {time}</translation>
    </message>
    <message>
        <source>{day} {month_name} {time}</source>
        <translation>{month}月{day}日 {time}</translation>
    </message>
    <message>
        <source>{day} {month_name} {year} {time}</source>
        <translation>{year}年{month}月{day}日 {time}</translation>
    </message>
    <message>
        <source>Offline — study progress is kept on this PC</source>
        <translation>离线 —— 学习进度保存在本机</translation>
    </message>
    <message>
        <source>All study progress synced</source>
        <translation>学习进度已全部同步</translation>
    </message>
    <message>
        <source>Cannot reach the server just now. StudyDesk will try again by itself.</source>
        <translation>暂时无法连接服务器，稍后会自动重试。</translation>
    </message>
    <message numerus="yes">
        <source>%n study progress update(s) waiting to sync</source>
        <translation>
            <numerusform>%n 条学习进度待同步</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n refused by the server</source>
        <translation>
            <numerusform>%n 条被服务器退回</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>VerifyDialog</name>
    <message>
        <source>Verify a certificate</source>
        <translation>验证证书</translation>
    </message>
    <message>
        <source>Paste the code printed under the certificate&apos;s QR code (it starts with SD1:), or choose a photo, scan or PDF of the certificate. The check needs no network: it uses this site&apos;s pinned key and the revocation list saved at the last sync.</source>
        <translation>粘贴证书二维码下方印的验证码（以 SD1: 开头），或选择证书的照片、扫描件或 PDF。核验无需联网：使用本站固定的发证密钥和上次同步时保存的撤销名单。</translation>
    </message>
    <message>
        <source>SD1:…</source>
        <translation>SD1:…</translation>
    </message>
    <message>
        <source>Choose a picture or PDF…</source>
        <translation>选择图片或 PDF…</translation>
    </message>
    <message>
        <source>Verify</source>
        <translation>验证</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Pictures and PDF (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.pdf);;All files (*)</source>
        <translation>图片和 PDF (*.png *.jpg *.jpeg *.bmp *.gif *.tif *.tiff *.webp *.pdf);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Choose a picture or PDF of the certificate</source>
        <translation>选择证书的图片或 PDF</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>正在核验…</translation>
    </message>
    <message>
        <source>Genuine: signed with this site&apos;s pinned key. This PC has no revocation list yet, so whether it was revoked is not known; sync once online to check.</source>
        <translation>真实：由本站固定的发证密钥签发。本机尚无撤销名单，无法确认是否已被撤销；请联网同步一次后再核验。</translation>
    </message>
    <message>
        <source>Genuine and valid: signed with this site&apos;s pinned key and not revoked (revocation list of %1).</source>
        <translation>真实有效：由本站固定的发证密钥签发，且未被撤销（撤销名单截至 %1）。</translation>
    </message>
    <message>
        <source>Revoked: this certificate was withdrawn on %1 and is no longer valid.</source>
        <translation>已撤销：该证书已于 %1 被撤销，不再有效。</translation>
    </message>
    <message>
        <source>Not genuine: the content does not match its signature. It was altered.</source>
        <translation>无效：证书内容与签名不符，已被篡改。</translation>
    </message>
    <message>
        <source>Unknown issuer: it is not signed with a key this site trusts. It cannot be confirmed here.</source>
        <translation>发证机构未知：该证书不是用本站信任的密钥签发的，本机无法确认其真伪。</translation>
    </message>
    <message>
        <source>Not a StudyDesk certificate: the code cannot be read. Check that it was copied whole.</source>
        <translation>无法识别：这不是可读取的 StudyDesk 证书。请检查验证码是否完整。</translation>
    </message>
    <message>
        <source>Certificate of study hours</source>
        <translation>学时证明</translation>
    </message>
    <message>
        <source>Class certificate</source>
        <translation>结业证书</translation>
    </message>
    <message>
        <source>Certificate: %1</source>
        <translation>证书类型：%1</translation>
    </message>
    <message>
        <source>Serial: %1</source>
        <translation>证书编号：%1</translation>
    </message>
    <message>
        <source>Name: %1 (%2)</source>
        <translation>姓名：%1（编号 %2）</translation>
    </message>
    <message>
        <source>Year: %1</source>
        <translation>年度：%1</translation>
    </message>
    <message>
        <source>Class: %1 (%2)</source>
        <translation>班次：%1（%2）</translation>
    </message>
    <message>
        <source>Hours: %1</source>
        <translation>学时：%1</translation>
    </message>
    <message>
        <source>Score: %1</source>
        <translation>成绩：%1</translation>
    </message>
    <message>
        <source>Issued by %1 on %2</source>
        <translation>发证机构：%1，开具日期：%2</translation>
    </message>
    <message>
        <source>%1 certificates found; the first: %2</source>
        <translation>找到 %1 份证书；第一份：%2</translation>
    </message>
    <message>
        <source>What the paper claims (not confirmed):</source>
        <translation>证书上声称的内容（未经确认）：</translation>
    </message>
</context>
<context>
    <name>VideoArea</name>
    <message>
        <source>Download again</source>
        <translation>重新下载</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Next lesson</source>
        <translation>下一课</translation>
    </message>
    <message>
        <source>Watch again</source>
        <translation>再次观看</translation>
    </message>
    <message>
        <source>This lesson is complete</source>
        <translation>本节已完成</translation>
    </message>
    <message>
        <source>You reached the end of this lesson</source>
        <translation>本节已播放到结尾</translation>
    </message>
    <message>
        <source>{time} more must be watched before it counts as complete. Watch again to see the parts you missed.</source>
        <translation>还需观看{time}才算完成。点“再次观看”补看漏掉的部分。</translation>
    </message>
    <message>
        <source>Next lesson: {title}</source>
        <translation>下一课：{title}</translation>
    </message>
    <message>
        <source>This was the last lesson of the course.</source>
        <translation>这是本课程的最后一课。</translation>
    </message>
</context>
<context>
    <name>VideoSurface</name>
    <message>
        <source>Video</source>
        <translation>视频</translation>
    </message>
</context>
<context>
    <name>argparse</name>
    <message>
        <source>usage: </source>
        <translation>用法：</translation>
    </message>
    <message>
        <source>positional arguments</source>
        <translation>位置参数</translation>
    </message>
    <message>
        <source>options</source>
        <translation>选项</translation>
    </message>
    <message>
        <source>show this help message and exit</source>
        <translation>显示此帮助信息并退出</translation>
    </message>
    <message>
        <source>%(prog)s: error: %(message)s
</source>
        <translation>%(prog)s：错误：%(message)s
</translation>
    </message>
    <message>
        <source>argument %(argument_name)s: %(message)s</source>
        <translation>参数 %(argument_name)s：%(message)s</translation>
    </message>
    <message>
        <source>the following arguments are required: %s</source>
        <translation>缺少以下参数：%s</translation>
    </message>
    <message>
        <source>unrecognized arguments: %s</source>
        <translation>无法识别的参数：%s</translation>
    </message>
    <message>
        <source>invalid choice: %(value)r (choose from %(choices)s)</source>
        <translation>无效的选项：%(value)r（可选：%(choices)s）</translation>
    </message>
    <message>
        <source>invalid %(type)s value: %(value)r</source>
        <translation>无效的 %(type)s 值：%(value)r</translation>
    </message>
    <message>
        <source>expected one argument</source>
        <translation>需要一个参数值</translation>
    </message>
    <message>
        <source>expected at least one argument</source>
        <translation>至少需要一个参数值</translation>
    </message>
    <message>
        <source>expected at most one argument</source>
        <translation>最多只能有一个参数值</translation>
    </message>
    <message>
        <source>not allowed with argument %s</source>
        <translation>不能与参数 %s 同时使用</translation>
    </message>
    <message>
        <source>one of the arguments %s is required</source>
        <translation>必须给出参数 %s 之一</translation>
    </message>
    <message>
        <source>ambiguous option: %(option)s could match %(matches)s</source>
        <translation>有歧义的选项：%(option)s 可匹配 %(matches)s</translation>
    </message>
    <message>
        <source>ignored explicit argument %r</source>
        <translation>忽略了显式参数 %r</translation>
    </message>
</context>
</TS>
