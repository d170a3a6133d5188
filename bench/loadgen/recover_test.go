package main

import (
	"encoding/json"
	"net"
	"testing"
)

func TestOffsetInReadsBothPushShapes(t *testing.T) {
	for _, push := range []string{
		`{"push":"pub","channel":"bench:fanout","pub":{"offset":12,"data":"~3.4~xx"}}`,
		`{"pub":"bench:fanout","offset":12,"data":"~3.4~xx"}`,
		`{"pub":"bench:fanout","offset":12,"epoch":"e1","data":"~3.4~xx"}`,
		`{"pub":"bench:fanout","offset": 12,"data":"~3.4~xx"}`,
	} {
		off, ok := offsetIn([]byte(push))
		if !ok || off != 12 {
			t.Errorf("%s: offset %d %v, want 12", push, off, ok)
		}
	}
	if _, ok := offsetIn([]byte(`{"pub":"bench:fanout","data":"~3.4~xx"}`)); ok {
		t.Error("a push without an offset has none")
	}
	if _, ok := offsetIn([]byte(`{"offset":}`)); ok {
		t.Error("no digits: no offset")
	}
}

func TestEpochInReadsTheFirstPublicationsEpoch(t *testing.T) {
	for _, push := range []string{
		`{"push":"pub","channel":"c","pub":{"offset":1,"epoch":"abc","data":"x"}}`,
		`{"pub":"c","offset":1,"epoch":"abc","data":"x"}`,
	} {
		if e, ok := epochIn([]byte(push)); !ok || e != "abc" {
			t.Errorf("%s: epoch %q %v", push, e, ok)
		}
	}
	if _, ok := epochIn([]byte(`{"pub":"c","offset":2,"data":"x"}`)); ok {
		t.Error("no epoch after the first publication")
	}
}

func TestSioEventOffsetIsTheLastArgument(t *testing.T) {
	off, ok := sioEventOffset([]byte(`42["m","~5.100~xxx","Q8yRhw7"]`))
	if !ok || off != "Q8yRhw7" {
		t.Fatalf("offset %q %v", off, ok)
	}
	if _, ok := sioEventOffset([]byte(`42["m",{"a":1}]`)); ok {
		t.Error("an event without a string last argument has no offset")
	}
}

func TestSioConnectReply(t *testing.T) {
	sid, pid, err := sioConnectReply([]byte(`40{"sid":"s1","pid":"p1"}`))
	if err != nil || sid != "s1" || pid != "p1" {
		t.Fatalf("%q %q %v", sid, pid, err)
	}
	if _, _, err := sioConnectReply([]byte(`44{"message":"no"}`)); err == nil {
		t.Error("a connect error is not a connect reply")
	}
}

func TestSubscribeReplyWithRecoveredPublications(t *testing.T) {
	data := []byte(`{"id":2,"result":{"recoverable":true,"epoch":"e","offset":7,"recovered":true,"publications":[{"offset":6,"data":"~6.1~x"},{"offset":7,"data":"~7.2~x"}]}}`)
	var r subscribeReply
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatal(err)
	}
	c := &rclient{lastSeq: 5, lastOff: 5}
	for _, p := range r.Result.Publications {
		c.publication(p.Data, p.Offset)
	}
	if !*r.Result.Recovered || c.lastSeq != 7 || c.lastOff != 7 || c.seqGaps != 0 || c.offGaps != 0 {
		t.Fatalf("%+v", c)
	}
}

func TestPublicationCountsGaps(t *testing.T) {
	c := &rclient{}
	c.publication([]byte(`"~1.0~"`), 1)
	c.publication([]byte(`"~2.0~"`), 2)
	c.publication([]byte(`"~4.0~"`), 4) // 3 is missing
	c.publication([]byte(`"~4.0~"`), 4) // and 4 comes twice
	if c.seqGaps != 2 || c.offGaps != 2 || c.lastSeq != 4 || c.lastOff != 4 {
		t.Fatalf("%+v", c)
	}
	c.target, c.state = 4, stateRecovered
	c.checkDone()
	if !c.done {
		t.Fatal("a client holding the target is done")
	}
}

func TestSourceAddrSpreadsConnections(t *testing.T) {
	if sourceAddr(0, 10, 0) != nil {
		t.Fatal("no sources: the default address")
	}
	seen := map[string]int{}
	for i := 0; i < 100_000; i++ {
		seen[sourceAddr(i, 100_000, 5).String()]++
	}
	for _, ip := range []string{"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"} {
		if seen[ip] != 20_000 {
			t.Errorf("%s: %d connections, want 20,000", ip, seen[ip])
		}
	}
	if !sourceAddr(7, 8, 2).Equal(net.IPv4(127, 0, 0, 3)) {
		t.Error("the last of 8 over 2 sources is on 127.0.0.3")
	}
}
