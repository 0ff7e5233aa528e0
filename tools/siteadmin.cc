// siteadmin: the command-line tool for hosts.
//
//   siteadmin [--config FILE] migrate SQL_DIR
//   siteadmin [--config FILE] add-person --username U --access none|content_manager|admin
//             [--first-name F] [--last-name L] [--email E] [--password-stdin]
//   siteadmin [--config FILE] set-password USERNAME      (password on standard input)
//   siteadmin [--config FILE] list [SEARCH]
//   siteadmin [--config FILE] tokens --expiring DAYS      (for a cron mail)
//   siteadmin [--config FILE] first-admin                 (creates "admin" if no Admin exists)
//   siteadmin [--config FILE] recover-files               (files area follows the database)
//   siteadmin [--config FILE] check-config               (the config as a program reads it)
//   siteadmin [--config FILE] with-install-lock -- COMMAND [ARG...]
//             (runs COMMAND while no collection install can run: backups)
//
// Passwords are read from standard input, never from argv (which other
// users can read in /proc). The config file defaults to $SITE_CONFIG.
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "access.h"
#include "collection_installer.h"
#include "config.h"
#include "crypto.h"
#include "db.h"
#include "migrations.h"
#include "password.h"
#include "people.h"
#include "token_store.h"

namespace site {
namespace {

int Fail(const std::string& message) {
  std::cerr << "siteadmin: " << message << "\n";
  return 1;
}

int Fail(const Status& s) { return Fail(s.message()); }

int Usage() {
  std::cerr << "usage: siteadmin [--config FILE] COMMAND ...\n"
               "  migrate SQL_DIR            apply pending sql/ migrations\n"
               "  add-person --username U --access none|content_manager|admin\n"
               "             [--first-name F] [--last-name L] [--email E] [--password-stdin]\n"
               "  set-password USERNAME      read a new password from standard input\n"
               "  list [SEARCH]              list people\n"
               "  tokens --expiring DAYS     list the tokens that expire within DAYS days\n"
               "  first-admin                create user 'admin' if there is no Admin yet\n"
               "  recover-files              bring the collection files in line with the database\n"
               "  check-config               check the config file as the programs do at start\n"
               "  with-install-lock -- COMMAND [ARG...]\n"
               "                             run COMMAND while no collection install can run\n"
               "                             (a consistent backup of the database and files)\n";
  return 2;
}

// Reads one line from standard input without echo when it is a terminal.
std::string ReadPassword(const char* prompt) {
  bool tty = isatty(STDIN_FILENO);
  termios saved{};
  if (tty) {
    std::cerr << prompt;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  std::getline(std::cin, line);
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

// Returns "--name value" options and positional arguments.
void ParseArgs(const std::vector<std::string>& args, std::map<std::string, std::string>* opts,
               std::vector<std::string>* positional) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].rfind("--", 0) == 0) {
      if (args[i] == "--password-stdin") {
        (*opts)[args[i]] = "1";
      } else if (i + 1 < args.size()) {
        (*opts)[args[i]] = args[i + 1];
        ++i;
      } else {
        (*opts)[args[i]] = "";
      }
    } else {
      positional->push_back(args[i]);
    }
  }
}

Status Connect(const Config& config, bool multi, std::unique_ptr<Db>* db) {
  DbOptions o = DatabaseOptions(config);
  o.multi_statements = multi;
  *db = std::make_unique<Db>(o);
  return (*db)->EnsureConnected();
}

std::string JoinErrors(const FieldErrors& errors) {
  std::string out;
  for (const auto& [field, message] : errors) out += "\n  " + field + ": " + message;
  return out;
}

// Stores a new person; the host acts with Admin rights.
int AddPerson(Db* db, const Config& config, Person p, const std::string& password) {
  NormalizePerson(&p);
  FieldErrors errors = ValidatePerson(Actor{0, Access::kAdmin}, nullptr, p, password);
  if (!errors.empty()) return Fail("cannot add this person:" + JoinErrors(errors));
  std::string hash;
  if (!password.empty()) {
    Status s = HashPassword(password, config.password_iterations, &hash);
    if (!s.ok()) return Fail(s);
  }
  int64_t id = 0;
  Status s = InsertPerson(db, p, hash, &id, &errors);
  if (!errors.empty()) return Fail("cannot add this person:" + JoinErrors(errors));
  if (!s.ok()) return Fail(s);
  std::cout << "added person " << id << " (" << p.username << ", " << AccessLabel(p.access)
            << ")\n";
  return 0;
}

// Runs `command` (argv form, found on PATH) and returns its exit status.
// Runs `command` and returns its exit code; calls `tick` about once a
// second while it runs, and stops waiting (leaving it running) when `tick`
// fails.
int RunCommand(const std::vector<std::string>& command, const std::function<Status()>& tick) {
  std::vector<char*> argv;
  for (const std::string& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return Fail("cannot start " + command[0]);
  if (pid == 0) {
    execvp(argv[0], argv.data());
    std::perror(("siteadmin: " + command[0]).c_str());
    _exit(127);
  }
  int status = 0;
  for (int waited_ms = 0;; waited_ms += 50) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return Fail("lost " + command[0]);
    if (waited_ms % 1000 == 0) {
      Status s = tick();
      if (!s.ok()) return Fail(command[0] + " still runs, but " + s.message());
    }
    usleep(50 * 1000);
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// One command's arguments (after its name): as given, and parsed.
struct Args {
  std::vector<std::string> words;
  std::map<std::string, std::string> opts;
  std::vector<std::string> positional;
};

int CheckConfigCommand(const Config& config, const Args&, Db*) {
  // What every program checks before serving (the file itself was read
  // with every key); the database is not needed for this.
  Status s = CheckConfigDirectories(config);
  if (!s.ok()) return Fail(s);
  std::cout << "the config is valid\n";
  return 0;
}

int WithInstallLockCommand(const Config&, const Args& args, Db* db) {
  // Everything after "--" is the command, flags included.
  if (args.words.size() < 2 || args.words[0] != "--") return Usage();
  int exit_code = 1;
  Status s = WithInstallLock(db, [&](Lease* lease) {
    exit_code = RunCommand(std::vector<std::string>(args.words.begin() + 1, args.words.end()),
                           [lease] { return lease->RenewIfDue(); });
    return Status::OK();
  });
  if (!s.ok()) return Fail(s);
  return exit_code;
}

int MigrateCommand(const Config&, const Args& args, Db* db) {
  if (args.positional.size() != 1) return Usage();
  std::vector<std::string> applied;
  Status s = ApplyMigrations(db, args.positional[0], &applied);
  for (const std::string& name : applied) std::cout << "applied " << name << "\n";
  if (!s.ok()) return Fail(s);
  if (applied.empty()) std::cout << "schema is up to date\n";
  return 0;
}

int AddPersonCommand(const Config& config, const Args& args, Db* db) {
  auto opt = [&args](const char* name) {
    auto it = args.opts.find(name);
    return it == args.opts.end() ? std::string() : it->second;
  };
  Person p;
  p.username = opt("--username");
  p.first_name = opt("--first-name");
  p.last_name = opt("--last-name");
  p.email = opt("--email");
  if (!AccessFromDb(opt("--access"), &p.access)) {
    return Fail("--access must be none, content_manager or admin");
  }
  if (p.first_name.empty() && p.last_name.empty()) p.first_name = p.username;
  std::string password;
  if (args.opts.count("--password-stdin")) password = ReadPassword("Password: ");
  return AddPerson(db, config, p, password);
}

int SetPasswordCommand(const Config& config, const Args& args, Db* db) {
  if (args.positional.size() != 1) return Usage();
  const std::string& username = args.positional[0];
  std::string password = ReadPassword("New password: ");
  std::string problem = PasswordProblem(password);
  if (!problem.empty()) return Fail(problem);
  std::string hash;
  Status s = HashPassword(password, config.password_iterations, &hash);
  if (!s.ok()) return Fail(s);
  bool found = false;
  s = SetPassword(db, username, hash, &found);  // and ends their sessions
  if (!s.ok()) return Fail(s);
  if (!found) return Fail("no person has the username " + username);
  std::cout << "password set for " << username << "\n";
  return 0;
}

int ListCommand(const Config&, const Args& args, Db* db) {
  PeopleQuery q;
  q.search = args.positional.empty() ? "" : args.positional[0];
  q.page_size = 1000;
  for (;;) {
    PeoplePage page;
    Status s = ListPeople(db, q, &page);
    if (!s.ok()) return Fail(s);
    for (const Person& p : page.people) {
      std::printf("%6lld  %-24s  %-20s  %-30s  %s%s\n", static_cast<long long>(p.id),
                  p.DisplayName().c_str(), p.username.c_str(), p.email.c_str(),
                  AccessLabel(p.access), p.active ? "" : "  (inactive)");
    }
    if (!page.next_after) return 0;
    q.after = page.next_after;
  }
}

// One line a token, soonest first; nothing (and exit 0) when none expire:
// a cron job mails what it prints.
int TokensCommand(const Config&, const Args& args, Db* db) {
  auto it = args.opts.find("--expiring");
  if (it == args.opts.end() || !args.positional.empty()) return Usage();
  const std::string& text = it->second;
  if (text.empty() || text.size() > 4 || text.find_first_not_of("0123456789") != std::string::npos) {
    return Fail("--expiring takes a number of days (0 to 9999)");
  }
  std::vector<ExpiringToken> tokens;
  Status s = ListExpiringTokens(db, std::stoi(text), nullptr, &tokens);
  if (!s.ok()) return Fail(s);
  for (const ExpiringToken& t : tokens) {
    std::printf("%4lld day%s  %s UTC  %-20s  %-24s  %s\n", static_cast<long long>(t.days_left),
                t.days_left == 1 ? " " : "s", t.expires_at.c_str(), t.username.c_str(),
                DisplayName(t.first_name, t.last_name).c_str(), t.hint.c_str());
  }
  return 0;
}

int RecoverFilesCommand(const Config& config, const Args&, Db* db) {
  Status s = RecoverCollections(db, config);
  return s.ok() ? 0 : Fail(s);
}

int FirstAdminCommand(const Config& config, const Args&, Db* db) {
  int64_t admins = 0;
  Status s = CountActiveAdmins(db, &admins);
  if (!s.ok()) return Fail(s);
  if (admins > 0) return 0;
  // 18 random bytes: 24 base64 characters, no padding.
  std::string bytes;
  s = RandomBytes(18, &bytes);
  if (!s.ok()) return Fail(s);
  std::string password = Base64Encode(bytes);
  for (char& c : password) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  Person p;
  p.username = "admin";
  p.first_name = "Site";
  p.last_name = "Admin";
  p.access = Access::kAdmin;
  int rc = AddPerson(db, config, p, password);
  if (rc != 0) return rc;
  std::cout << "username: admin\npassword: " << password << "\n";
  return 0;
}

struct Command {
  const char* name;
  int (*run)(const Config& config, const Args& args, Db* db);
  bool needs_db;
  bool multi_statements;  // migrations are scripts of several statements
};

const Command kCommands[] = {
    {"check-config", CheckConfigCommand, false, false},
    {"with-install-lock", WithInstallLockCommand, true, false},
    {"migrate", MigrateCommand, true, true},
    {"add-person", AddPersonCommand, true, false},
    {"set-password", SetPasswordCommand, true, false},
    {"list", ListCommand, true, false},
    {"tokens", TokensCommand, true, false},
    {"recover-files", RecoverFilesCommand, true, false},
    {"first-admin", FirstAdminCommand, true, false},
};

int Main(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  Config config;
  Status s;
  if (words.size() >= 2 && words[0] == "--config") {
    s = LoadConfigFile(words[1], &config);
    words.erase(words.begin(), words.begin() + 2);
  } else {
    s = LoadConfigFromEnvironment(&config);
  }
  if (!s.ok()) return Fail(s);
  if (words.empty()) return Usage();
  const Command* command = nullptr;
  for (const Command& c : kCommands) {
    if (words[0] == c.name) command = &c;
  }
  if (command == nullptr) return Usage();
  Args args;
  args.words.assign(words.begin() + 1, words.end());
  ParseArgs(args.words, &args.opts, &args.positional);
  std::unique_ptr<Db> db;
  if (command->needs_db) {
    s = Connect(config, command->multi_statements, &db);
    if (!s.ok()) return Fail("cannot connect to the database: " + s.message());
  }
  return command->run(config, args, db.get());
}

}  // namespace
}  // namespace site

int main(int argc, char** argv) { return site::Main(argc, argv); }
