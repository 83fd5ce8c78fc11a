package server

import (
	"context"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"lawcontest/account"
	"lawcontest/apperr"
	"lawcontest/audit"
	"lawcontest/clock"
	"lawcontest/questions"
)

//go:embed demodata
var demoData embed.FS

// DemoQuestionsCSV is the demo question bank in the import format. The
// load generator builds its banks from these texts, so that a paper's
// size and how well it compresses are those of real questions.
func DemoQuestionsCSV() ([]byte, error) {
	return demoData.ReadFile("demodata/questions.csv")
}

// Demo accounts. The passwords are printed by the seed and by
// ./scripts/run.sh: they are for a developer's machine only.
type demoAccount struct {
	Role, Login, Password, Name string
}

var demoStaff = []demoAccount{
	{account.RoleAdmin, "admin", "admin-demo-2026", "Quản trị viên (demo)"},
	{account.RoleOrganizer, "bantochuc", "bantochuc-demo-2026", "Ban Tổ chức (demo)"},
	{account.RoleJudge, "giamkhao1", "giamkhao-demo-2026", "Giám khảo 1 (demo)"},
	{account.RoleJudge, "giamkhao2", "giamkhao-demo-2026", "Giám khảo 2 (demo)"},
	{account.RoleJudge, "giamkhao3", "giamkhao-demo-2026", "Giám khảo 3 (demo)"},
}

var demoParticipant = demoAccount{account.RoleParticipant, "0912000001", "thisinh-demo-2026", "Nguyễn Văn An"}

func (c *cli) seedDemo(args []string) error {
	if err := c.parse(c.flags("seed demo"), args); err != nil {
		return err
	}
	ctx := context.Background()
	_, d, err := c.open(ctx)
	if err != nil {
		return err
	}
	defer closeDeps(d)
	logins, err := SeedDemo(ctx, d.DB, clock.Real{}, c.stdout)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, "Demo logins:")
	for _, l := range logins {
		fmt.Fprintln(c.stdout, "  "+l)
	}
	return nil
}

// SeedDemo loads the demo units, accounts and contests. It is idempotent:
// running it again changes nothing that is already there. It returns the
// demo logins as lines for people to read.
func SeedDemo(ctx context.Context, pg *sqlx.DB, clk clock.Clock, progress io.Writer) ([]string, error) {
	store := account.NewStore(pg, clk, account.NewHasher())
	units, err := seedUnits(ctx, store)
	if err != nil {
		return nil, fmt.Errorf("units: %w", err)
	}
	fmt.Fprintf(progress, "units: %d\n", len(units))
	var logins []string
	for _, s := range demoStaff {
		if _, err := store.FindStaff(ctx, s.Login); apperr.Is(err, apperr.NotFound) {
			if _, err := store.CreateStaff(ctx, pg, account.NewStaff{Username: s.Login, Password: s.Password, Role: s.Role, DisplayName: s.Name}); err != nil {
				return nil, fmt.Errorf("staff %s: %w", s.Login, err)
			}
		} else if err != nil {
			return nil, err
		}
		logins = append(logins, fmt.Sprintf("%-12s %-12s mật khẩu: %s", s.Role, s.Login, s.Password))
	}
	p := demoParticipant
	reg := account.Registration{FullName: p.Name, BirthDate: "2008-03-15", Phone: p.Login, Password: p.Password, Category: "hoc_sinh"}
	if len(units) > 0 {
		reg.UnitID = strconv.FormatInt(units[0], 10)
	}
	if _, err := store.Register(ctx, reg); err != nil && !apperr.Is(err, apperr.Conflict) {
		return nil, fmt.Errorf("participant: %w", err)
	}
	logins = append(logins, fmt.Sprintf("%-12s %-12s mật khẩu: %s", p.Role, p.Login, p.Password))
	// The question bank first: the demo quiz rounds draw from it.
	bank := questions.NewBank(pg, clk)
	if f, err := demoData.Open("demodata/questions.csv"); err == nil {
		res, err := bank.ImportFile(ctx, audit.System, "questions.csv", f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("question bank: %w", err)
		}
		fmt.Fprintf(progress, "questions: %d imported, %d already there\n", res.Imported, res.DuplicatesSkipped)
	}
	if err := seedDemoQuiz(ctx, pg, bank, clk, progress); err != nil {
		return nil, err
	}
	if err := seedEssays(ctx, pg, clk, store, units, progress); err != nil {
		return nil, fmt.Errorf("essay contests: %w", err)
	}
	return logins, nil
}

// seedUnits loads demodata/units.csv (name,kind,member_count).
func seedUnits(ctx context.Context, store *account.Store) ([]int64, error) {
	f, err := demoData.Open("demodata/units.csv")
	if err != nil {
		return nil, nil // no unit list in this build
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	var ids []int64
	for i, r := range rows {
		if i == 0 || len(r) < 2 {
			continue
		}
		u := account.Unit{Name: r[0], Kind: strings.TrimSpace(r[1])}
		if len(r) > 2 && strings.TrimSpace(r[2]) != "" {
			n, err := strconv.Atoi(strings.TrimSpace(r[2]))
			if err != nil {
				return nil, fmt.Errorf("units.csv row %d: member_count %q", i+1, r[2])
			}
			u.MemberCount = &n
		}
		id, err := store.UpsertUnit(ctx, u)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}
