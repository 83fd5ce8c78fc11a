package essay

import (
	"strings"
	"testing"

	"lawcontest/vntext"
)

const essayOne = `Mạng xã hội đã trở thành một phần không thể thiếu trong cuộc sống của chúng em. Mỗi ngày, em dành thời gian đọc tin tức, trò chuyện với bạn bè và học tập trực tuyến. Nhưng em cũng thấy nhiều bình luận thiếu văn hóa, những tin đồn thất thiệt lan truyền rất nhanh.
Một lần, bạn cùng lớp em bị một tài khoản giả mạo đăng ảnh chế giễu. Thay vì chia sẻ tiếp, em và các bạn đã báo cáo bài viết, nhắn tin động viên bạn và kể lại với cô giáo chủ nhiệm. Sau hai ngày, bài viết bị gỡ và bạn ấy đã vui vẻ trở lại lớp học.
Từ câu chuyện đó, em hiểu rằng mỗi cú nhấp chuột đều có trách nhiệm. Bộ quy tắc ứng xử trên mạng xã hội nhắc chúng ta tôn trọng người khác, không đăng tải nội dung vi phạm pháp luật và chia sẻ những điều tốt đẹp.`

const essayTwo = `Ông em năm nay đã bảy mươi tuổi nhưng vẫn học cách dùng điện thoại thông minh để gọi video cho các cháu ở xa. Em là người hướng dẫn ông từng bước: cách mở ứng dụng, cách nhận biết đường link lạ và không bao giờ cung cấp mã OTP cho người khác.
Có lần ông nhận được tin nhắn báo trúng thưởng một chiếc xe máy. Nhờ những buổi học nhỏ ở nhà, ông đã gọi em xem trước khi làm theo. Chúng em cùng báo cho công an phường về số điện thoại lừa đảo đó.
Em nghĩ hành động đẹp trên không gian mạng không cần phải lớn lao, đó có thể là việc giúp người thân an toàn hơn, lan tỏa kiến thức để không ai bị bỏ lại phía sau trong thời đại số.`

func TestFindNearDuplicates(t *testing.T) {
	t.Parallel()
	// A copy with two sentences changed, and without diacritics and in capitals
	// in places: still flagged, with the shared passages.
	copied := strings.Replace(essayOne, "Sau hai ngày, bài viết bị gỡ", "Chỉ một ngày sau, bài đăng đã bị xóa", 1)
	copied = strings.Replace(copied, "Mỗi ngày, em dành thời gian", "Hằng ngày tôi thường dành nhiều giờ", 1)
	cut := strings.Index(copied, "trò chuyện")
	copied = vntext.Fold(copied[:cut]) + " " + strings.ToUpper(copied[cut:cut+40]) + copied[cut+40:]
	// A copy padded with a new paragraph as long as the original.
	padded := essayTwo + "\n" + essayOne

	docs := []DupDoc{
		{ID: 1, Code: "BV-A", Text: essayOne},
		{ID: 2, Code: "BV-B", Text: essayTwo},
		{ID: 3, Code: "BV-C", Text: copied},
		{ID: 4, Code: "BV-D", Text: "Ngắn quá."},
	}
	pairs := FindNearDuplicates(docs)
	if len(pairs) != 1 {
		t.Fatalf("want exactly the copied pair, got %+v", pairs)
	}
	p := pairs[0]
	if p.A != 1 || p.B != 3 || p.Jaccard < 0.5 {
		t.Fatalf("pair %+v", p)
	}
	if len(p.Passages) == 0 || !strings.Contains(p.Passages[0], "báo cáo bài viết") {
		t.Fatalf("passages %q lack the shared sentence", p.Passages)
	}

	pairs = FindNearDuplicates([]DupDoc{{ID: 1, Code: "BV-A", Text: essayOne}, {ID: 5, Code: "BV-E", Text: padded}})
	if len(pairs) != 1 || pairs[0].Containment < 0.9 {
		t.Fatalf("padded copy: %+v", pairs)
	}

	if pairs := FindNearDuplicates([]DupDoc{{ID: 1, Text: essayOne}, {ID: 2, Text: essayTwo}}); len(pairs) != 0 {
		t.Fatalf("two different essays flagged: %+v", pairs)
	}
}
