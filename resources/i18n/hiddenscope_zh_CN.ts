<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>hiddenscope</name>
    <message>
        <source>Init hidden</source>
        <translation>初始化隐藏状态</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>单步</translation>
    </message>
    <message>
        <source>Step back</source>
        <translation>后退一步</translation>
    </message>
    <message>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Reset</source>
        <translation>重置</translation>
    </message>
    <message>
        <source>Save screenshot…</source>
        <translation>保存截图…</translation>
    </message>
    <message>
        <source>Export history…</source>
        <translation>导出历史…</translation>
    </message>
    <message>
        <source>Copy heatmaps</source>
        <translation>复制热图</translation>
    </message>
    <message>
        <source>Difference hₜ − hₜ₋₁</source>
        <translation>差值 hₜ − hₜ₋₁</translation>
    </message>
    <message>
        <source>Step op</source>
        <translation>单步运算</translation>
    </message>
    <message>
        <source>Previous op</source>
        <translation>上一个运算</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>全屏</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Next page of agents</source>
        <translation>下一页智能体</translation>
    </message>
    <message>
        <source>Previous page of agents</source>
        <translation>上一页智能体</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Configuration</source>
        <translation>配置</translation>
    </message>
    <message>
        <source>Shape trace</source>
        <translation>形状追踪</translation>
    </message>
    <message>
        <source>History (time × units)</source>
        <translation>历史（时间 × 单元）</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <source>steps/s</source>
        <translation>步/秒</translation>
    </message>
    <message>
        <source>Batch size</source>
        <translation>批大小</translation>
    </message>
    <message>
        <source>Agents</source>
        <translation>智能体数</translation>
    </message>
    <message>
        <source>Hidden dim</source>
        <translation>隐藏维度</translation>
    </message>
    <message>
        <source>Input size</source>
        <translation>输入维度</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>Dtype</source>
        <translation>数据类型</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>应用</translation>
    </message>
    <message>
        <source>Agent</source>
        <translation>智能体</translation>
    </message>
    <message>
        <source>Batch row</source>
        <translation>批次行</translation>
    </message>
    <message>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <source>op</source>
        <translation>运算</translation>
    </message>
    <message>
        <source>shape</source>
        <translation>形状</translation>
    </message>
    <message>
        <source>stride</source>
        <translation>步长</translation>
    </message>
    <message>
        <source>contiguous</source>
        <translation>连续</translation>
    </message>
    <message>
        <source>view / copy</source>
        <translation>视图 / 复制</translation>
    </message>
    <message>
        <source>tensor</source>
        <translation>张量</translation>
    </message>
    <message>
        <source>device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>dtype</source>
        <translation>数据类型</translation>
    </message>
    <message>
        <source>line of code that ran it</source>
        <translation>执行它的代码行</translation>
    </message>
    <message>
        <source>The language changes the next time hiddenscope starts.</source>
        <translation>界面语言将在下次启动 hiddenscope 时切换。</translation>
    </message>
    <message>
        <source>Run one timestep (or replay one from history)</source>
        <translation>运行一个时间步（或从历史中重放）</translation>
    </message>
    <message>
        <source>Show the previous timestep from history</source>
        <translation>显示历史中的上一个时间步</translation>
    </message>
    <message>
        <source>Play / Pause</source>
        <translation>播放 / 暂停</translation>
    </message>
    <message>
        <source>Back to t = 0 and clear the history</source>
        <translation>回到 t = 0 并清空历史</translation>
    </message>
    <message>
        <source>Save the heatmap grid as a PNG</source>
        <translation>将热图网格保存为 PNG</translation>
    </message>
    <message>
        <source>init_hidden(): start from the model's initial hidden state</source>
        <translation>init_hidden()：从模型的初始隐藏状态开始</translation>
    </message>
    <message>
        <source>Walk through this timestep's tensor transitions one by one</source>
        <translation>逐个查看本时间步的张量变换</translation>
    </message>
    <message>
        <source>Show the change since the previous timestep</source>
        <translation>显示相对上一时间步的变化</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>view (no copy)</source>
        <translation>视图（无复制）</translation>
    </message>
    <message>
        <source>new memory</source>
        <translation>新内存</translation>
    </message>
    <message>
        <source>in place</source>
        <translation>原地</translation>
    </message>
    <message>
        <source>Open checkpoint…</source>
        <translation>打开检查点…</translation>
    </message>
    <message>
        <source>Open inputs…</source>
        <translation>打开输入…</translation>
    </message>
    <message>
        <source>Open checkpoint</source>
        <translation>打开检查点</translation>
    </message>
    <message>
        <source>Open inputs</source>
        <translation>打开输入</translation>
    </message>
    <message>
        <source>Load a trained agent: PyMARL agent.th, the seed model's state_dict, or .safetensors</source>
        <translation>加载训练好的智能体：PyMARL 的 agent.th、种子模型的 state_dict 或 .safetensors</translation>
    </message>
    <message>
        <source>Feed inputs from a .npy, .npz or .pt file of shape (T, batch, n_agents, input) or (T, n_agents, input)</source>
        <translation>从形状为 (T, batch, n_agents, input) 或 (T, n_agents, input) 的 .npy、.npz 或 .pt 文件读取输入</translation>
    </message>
    <message>
        <source>GRU gates</source>
        <translation>GRU 门控</translation>
    </message>
    <message>
        <source>Summary over time</source>
        <translation>随时间的汇总</translation>
    </message>
    <message>
        <source>reset gate r</source>
        <translation>重置门 r</translation>
    </message>
    <message>
        <source>update gate z</source>
        <translation>更新门 z</translation>
    </message>
    <message>
        <source>candidate n</source>
        <translation>候选状态 n</translation>
    </message>
    <message>
        <source>No recorded step to show gates for (step at least once), or the model has no GRU cell.</source>
        <translation>没有可显示门控的已记录步（请至少运行一步），或模型不含 GRU 单元。</translation>
    </message>
    <message>
        <source>‖h‖ per agent (mean over batch rows)</source>
        <translation>每个智能体的 ‖h‖（对批次行取平均）</translation>
    </message>
    <message>
        <source>saturated units, |h| &gt; 0.95 (fraction)</source>
        <translation>饱和单元比例，|h| &gt; 0.95</translation>
    </message>
    <message>
        <source>Record shape trace</source>
        <translation>记录形状追踪</translation>
    </message>
    <message>
        <source>Record every tensor transition of each step (off: a little faster, no shape panel)</source>
        <translation>记录每一步的所有张量变换（关闭后略快，形状面板为空）</translation>
    </message>
    <message>
        <source>Inputs from MPE simple_spread</source>
        <translation>来自 MPE simple_spread 的输入</translation>
    </message>
    <message>
        <source>Feed the agents observations from live PettingZoo MPE simple_spread environments (optional extra)</source>
        <translation>用实时 PettingZoo MPE simple_spread 环境的观测作为智能体输入（可选组件）</translation>
    </message>
    <message>
        <source>Built-in pattern inputs</source>
        <translation>内置模式输入</translation>
    </message>
    <message>
        <source>Back to the built-in per-agent signals</source>
        <translation>回到内置的每智能体信号</translation>
    </message>
    <message>
        <source>History</source>
        <translation>历史</translation>
    </message>
    <message>
        <source>Gates</source>
        <translation>门控</translation>
    </message>
    <message>
        <source>Summary</source>
        <translation>汇总</translation>
    </message>
    <message>
        <source>Seed model</source>
        <translation>种子模型</translation>
    </message>
    <message>
        <source>Back to the seed note's own agent (random weights from the seed)</source>
        <translation>回到种子笔记中的智能体（权重由随机种子生成）</translation>
    </message>
    <message>
        <source>Fast-forward</source>
        <translation>快进</translation>
    </message>
    <message>
        <source>Trace this step</source>
        <translation>追踪此步</translation>
    </message>
    <message>
        <source>Step as fast as the model goes and draw at the display&apos;s rate; steps not drawn are not traced (the shape panel can trace one afterwards)</source>
        <translation>以模型能达到的最快速度单步运行，按显示器刷新率绘制；未绘制的步不记录追踪（之后可在形状面板中追踪其中任意一步）</translation>
    </message>
    <message>
        <source>Drive the agents in live environments (MPE simple_spread, LBF, RWARE, VMAS): observations in, actions out, hidden state reset when an episode starts</source>
        <translation>在实时环境（MPE simple_spread、LBF、RWARE、VMAS）中驱动智能体：输入观测，输出动作，回合开始时重置隐藏状态</translation>
    </message>
    <message>
        <source>Inputs from an environment…</source>
        <translation>来自环境的输入…</translation>
    </message>
    <message>
        <source>Load the agent of a PyMARL/EPyMARL/PyMARL2 run folder (its latest step) or step folder</source>
        <translation>加载 PyMARL/EPyMARL/PyMARL2 运行文件夹（其最新一步）或步文件夹中的智能体</translation>
    </message>
    <message>
        <source>Open run folder</source>
        <translation>打开运行文件夹</translation>
    </message>
    <message>
        <source>Open run folder…</source>
        <translation>打开运行文件夹…</translation>
    </message>
    <message>
        <source>&amp;Compare</source>
        <translation>比较(&amp;C)</translation>
    </message>
    <message>
        <source>Open session…</source>
        <translation>打开会话…</translation>
    </message>
    <message>
        <source>Close session</source>
        <translation>关闭会话</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>录制</translation>
    </message>
    <message>
        <source>Export movie…</source>
        <translation>导出影片…</translation>
    </message>
    <message>
        <source>Save heatmaps as SVG/PDF…</source>
        <translation>将热图保存为 SVG/PDF…</translation>
    </message>
    <message>
        <source>Compare with session…</source>
        <translation>与会话比较…</translation>
    </message>
    <message>
        <source>Compare with checkpoint…</source>
        <translation>与检查点比较…</translation>
    </message>
    <message>
        <source>Stop comparing</source>
        <translation>停止比较</translation>
    </message>
</context>
</TS>
