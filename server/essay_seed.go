package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/jmoiron/sqlx"

	"lawcontest/account"
	"lawcontest/apperr"
	"lawcontest/clock"
	"lawcontest/contest/essay"
)

// demoEssayAuthors write the demo essays, one each (one essay per person per
// contest). They share the demo participant's password.
var demoEssayAuthors = []string{
	"Trần Minh Khoa", "Lê Thu Hà", "Phạm Gia Bảo", "Hoàng Ngọc Ánh",
	"Đỗ Quang Vinh", "Bùi Phương Linh", "Vũ Đức Thịnh", "Ngô Thanh Tâm",
}

// seedEssays adds the demo essay contests (contest/essay): an open one and
// one being judged, whose essays are assigned to the demo judges.
func seedEssays(ctx context.Context, pg *sqlx.DB, clk clock.Clock, store *account.Store, units []int64, progress io.Writer) error {
	b, err := demoData.ReadFile("demodata/essays.json")
	if err != nil {
		return nil // no demo essays in this build
	}
	var essays []essay.DemoEssay
	if err := json.Unmarshal(b, &essays); err != nil {
		return fmt.Errorf("essays.json: %w", err)
	}
	seed := essay.DemoSeed{Essays: essays}
	for i := 0; i < len(essays) && i < len(demoEssayAuthors); i++ {
		reg := account.Registration{FullName: demoEssayAuthors[i], BirthDate: "2007-09-0" + strconv.Itoa(1+i%9),
			Phone: fmt.Sprintf("09120002%02d", i+1), Password: demoParticipant.Password, Category: "hoc_sinh"}
		if len(units) > 0 {
			reg.UnitID = strconv.FormatInt(units[i%len(units)], 10)
		}
		u, err := store.Register(ctx, reg)
		if apperr.Is(err, apperr.Conflict) {
			u, err = store.Authenticate(ctx, reg.Phone, reg.Password)
		}
		if err != nil {
			return fmt.Errorf("essay author %s: %w", reg.Phone, err)
		}
		seed.AuthorIDs = append(seed.AuthorIDs, u.ID)
	}
	for _, s := range demoStaff {
		if s.Role != account.RoleJudge {
			continue
		}
		u, err := store.FindStaff(ctx, s.Login)
		if err != nil {
			return err
		}
		seed.JudgeIDs = append(seed.JudgeIDs, u.ID)
	}
	open, judging, err := essay.SeedDemo(ctx, pg, clk.Now(), seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(progress, "essay contests: /contests/%d/essay (open), /admin/contests/%d/essays (being judged)\n", open, judging)
	return nil
}
