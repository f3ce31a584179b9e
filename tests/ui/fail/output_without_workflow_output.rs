use gptbots_runtime::workflow;

#[workflow(id = "wf_today_news", output = Vec<String>, flow = "flows/today-news.flow")]
struct TodayNews {
    topic: String,
}

fn main() {}
